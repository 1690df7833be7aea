#!/usr/bin/env bash
# Renders the app and tray icons from icon.svg and tray.svg into every file
# Tauri needs (8-bit RGBA PNGs and a multi-size ICO). Needs librsvg2-bin and
# imagemagick; `bash .ci/setup` installs both.
set -euo pipefail
cd "$(dirname "$0")"
convert=/usr/bin/convert # /usr/local/bin/convert may be a stand-in
for tool in rsvg-convert "$convert"; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt: librsvg2-bin imagemagick)" >&2; exit 1; }
done

png() { rsvg-convert -w "$2" -h "$2" "$1" | "$convert" - "PNG32:$3"; }

png icon.svg 32 32x32.png
png icon.svg 64 64x64.png
png icon.svg 128 128x128.png
png icon.svg 256 128x128@2x.png
png icon.svg 512 icon.png
png tray.svg 64 tray.png

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for s in 16 24 32 48 64 256; do png icon.svg "$s" "$tmp/$s.png"; done
"$convert" "$tmp"/16.png "$tmp"/24.png "$tmp"/32.png "$tmp"/48.png "$tmp"/64.png "$tmp"/256.png icon.ico
cp icon.svg ../ui/icon.svg
echo "rendered: $(ls ./*.png icon.ico | tr '\n' ' ')"
