#!/usr/bin/env bash
# Renders the app and tray icons from the SVGs into every file Tauri needs:
# 8-bit RGBA PNGs and a multi-size ICO. Safe to re-run; it overwrites its outputs.
#   icon.svg       -> 32x32.png 64x64.png 128x128.png 128x128@2x.png icon.png, ICO 32-256
#   icon-small.svg -> the ICO's 16 and 24 px images (simplified for tiny sizes)
#   tray.svg       -> tray.png (64x64); tray-alert.svg -> tray-alert.png
# Needs the apt packages librsvg2-bin (rsvg-convert) and imagemagick (convert).
set -euo pipefail
cd "$(dirname "$0")"

rsvg=rsvg-convert
convert=/usr/bin/convert # /usr/local/bin/convert may be a stand-in, so use the real one

missing=()
command -v "$rsvg" >/dev/null 2>&1 || missing+=("rsvg-convert (apt package librsvg2-bin)")
[[ -x $convert ]] || missing+=("$convert (apt package imagemagick)")
if ((${#missing[@]})); then
  printf 'render.sh: missing %s\n' "${missing[@]}" >&2
  echo "install them with: apt-get install -y librsvg2-bin imagemagick" >&2
  exit 1
fi

# png SVG SIZE OUT: render at SIZE x SIZE and force 8-bit RGBA (PNG colour type 6),
# which Tauri requires.
png() { "$rsvg" -w "$2" -h "$2" "$1" | "$convert" - -depth 8 -define png:exclude-chunks=date,time "PNG32:$3"; }

png icon.svg 32 32x32.png
png icon.svg 64 64x64.png
png icon.svg 128 128x128.png
png icon.svg 256 128x128@2x.png
png icon.svg 512 icon.png
png tray.svg 64 tray.png
png tray-alert.svg 64 tray-alert.png
# The page's pictures as PNGs, at twice the size shown (HiDPI): an SVG image
# costs WebKit a document and an XML parser of its own (BENCHMARKS.md).
png icon.svg 56 ../ui/brand.png
png bell.svg 28 ../ui/bell.png

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for s in 16 24; do png icon-small.svg "$s" "$tmp/$s.png"; done
for s in 32 48 64 256; do png icon.svg "$s" "$tmp/$s.png"; done
"$convert" "$tmp"/{16,24,32,48,64,256}.png icon.ico

# Check every PNG's colour type: byte 25 of the file, 6 = RGBA.
for f in 32x32.png 64x64.png 128x128.png 128x128@2x.png icon.png tray.png tray-alert.png ../ui/brand.png ../ui/bell.png; do
  ct=$(od -An -tu1 -j25 -N1 "$f" | tr -d ' ')
  [[ $ct == 6 ]] || { echo "render.sh: $f has PNG colour type $ct, not 6 (RGBA)" >&2; exit 1; }
done

echo "rendered: 32x32.png 64x64.png 128x128.png 128x128@2x.png icon.png tray.png tray-alert.png icon.ico ui/brand.png ui/bell.png"
