// The bare-window baseline (src-tauri/examples/bare_window.rs): an empty
// page that reports its first paint the way the dashboard does.
requestAnimationFrame(() =>
  setTimeout(() => {
    const marks = { navigation_unix_ms: Math.round(performance.timeOrigin), painted_ms: Math.round(performance.now()) };
    window.__TAURI__.core.invoke("ui_ready", { marks });
  }, 0),
);
