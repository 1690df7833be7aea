// The bare-window baseline (src-tauri/examples/bare_window.rs): an empty
// page that reports its first paint the way the dashboard does.
requestAnimationFrame(() => setTimeout(() => window.__TAURI__.core.invoke("ui_ready"), 0));
