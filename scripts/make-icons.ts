// Draws Cairn's icons (a cairn: stones stacked on each other) and writes them as PNG files into
// assets/: tray icons per state at 16 and 32 px (colour for Linux and Windows, black-and-alpha
// `…Template.png` for the macOS menu bar), the app icon at 512 and 256 px, and icon.ico for the
// Windows installer. Only node:zlib: a PNG is a zlib stream of filtered scanlines in CRC'd chunks.
//   node scripts/make-icons.ts

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

type Rgba = [number, number, number, number];

/** Encodes 8-bit RGBA pixels (row-major, 4 bytes each) as a PNG. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: RGBA
  // compression, filter and interlace methods: all 0
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y += 1) {
    raw[y * (stride + 1)] = 0; // filter: none
    raw.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** A Windows .ico holding PNG images (supported since Vista). */
export function encodeIco(images: Array<{ size: number; png: Buffer }>): Buffer {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, index) => {
    const entry = 6 + 16 * index;
    header[entry] = size >= 256 ? 0 : size;
    header[entry + 1] = size >= 256 ? 0 : size;
    header.writeUInt16LE(1, entry + 4); // colour planes
    header.writeUInt16LE(32, entry + 6); // bits per pixel
    header.writeUInt32LE(png.length, entry + 8);
    header.writeUInt32LE(offset, entry + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map((image) => image.png)]);
}

// --- drawing: shapes in unit coordinates (0..1, y down), supersampled for anti-aliasing ---

interface Ellipse {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
}

/** The stones, bottom to top: wide and flat at the base, small on top, slightly off-centre. */
const STONES: Ellipse[] = [
  { cx: 0.5, cy: 0.8, rx: 0.42, ry: 0.14 },
  { cx: 0.46, cy: 0.57, rx: 0.31, ry: 0.115 },
  { cx: 0.54, cy: 0.375, rx: 0.22, ry: 0.095 },
  { cx: 0.49, cy: 0.205, rx: 0.135, ry: 0.075 },
];

function inEllipse(e: Ellipse, x: number, y: number, grow = 0): boolean {
  const dx = (x - e.cx) / (e.rx + grow);
  const dy = (y - e.cy) / (e.ry + grow);
  return dx * dx + dy * dy <= 1;
}

/** Index of the stone covering (x, y), or -1; a stone above cuts a gap into the one below. */
function stoneAt(x: number, y: number, gap: number): number {
  for (let i = STONES.length - 1; i >= 0; i -= 1) {
    const stone = STONES[i];
    if (stone === undefined || !inEllipse(stone, x, y)) continue;
    const above = STONES[i + 1];
    if (above !== undefined && inEllipse(above, x, y, gap)) return -1;
    return i;
  }
  return -1;
}

type Paint = (x: number, y: number) => Rgba | undefined;

function render(size: number, paint: Paint, samples = 4): Uint8Array {
  const out = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py += 1) {
    for (let px = 0; px < size; px += 1) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy += 1) {
        for (let sx = 0; sx < samples; sx += 1) {
          const colour = paint((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size);
          if (colour === undefined) continue;
          const alpha = colour[3] / 255;
          r += colour[0] * alpha;
          g += colour[1] * alpha;
          b += colour[2] * alpha;
          a += alpha;
        }
      }
      const index = (py * size + px) * 4;
      const n = samples * samples;
      out[index] = a === 0 ? 0 : Math.round(r / a);
      out[index + 1] = a === 0 ? 0 : Math.round(g / a);
      out[index + 2] = a === 0 ? 0 : Math.round(b / a);
      out[index + 3] = Math.round((a / n) * 255);
    }
  }
  return out;
}

const hex = (value: string, alpha = 255): Rgba => [parseInt(value.slice(1, 3), 16), parseInt(value.slice(3, 5), 16), parseInt(value.slice(5, 7), 16), alpha];

type TrayState = 'idle' | 'syncing' | 'paused' | 'error' | 'offline';

/** Colour tray icons: the whole cairn takes the state's colour, readable on light and dark panels. */
const TRAY_COLOURS: Record<TrayState, Rgba> = {
  idle: hex('#7b8794'),
  syncing: hex('#3b82f6'),
  paused: hex('#9aa5b1', 150),
  error: hex('#e5484d'),
  offline: hex('#f59e0b'),
};

const BADGE = { cx: 0.8, cy: 0.78, r: 0.2 };

function inCircle(x: number, y: number, cx: number, cy: number, r: number): boolean {
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

function trayPaint(state: TrayState, template: boolean, size: number): Paint {
  const gap = 1 / size; // about one pixel between stones
  const ink: Rgba = template ? [0, 0, 0, state === 'paused' ? 110 : 255] : TRAY_COLOURS[state];
  const badgeKind = template ? ({ idle: 'none', syncing: 'dot', paused: 'none', error: 'solid', offline: 'ring' } as const)[state] : 'none';
  return (x, y) => {
    if (badgeKind !== 'none') {
      // Template images can't use colour, so the state shows as a badge cut into the stones.
      const inBadge = inCircle(x, y, BADGE.cx, BADGE.cy, BADGE.r);
      const inMargin = inCircle(x, y, BADGE.cx, BADGE.cy, BADGE.r + gap * 1.5);
      if (badgeKind === 'solid' && inBadge) return [0, 0, 0, 255];
      if (badgeKind === 'ring' && inBadge) return inCircle(x, y, BADGE.cx, BADGE.cy, BADGE.r - Math.max(gap * 1.5, 0.08)) ? undefined : [0, 0, 0, 255];
      if (badgeKind === 'dot' && inCircle(x, y, BADGE.cx, BADGE.cy, BADGE.r * 0.7)) return [0, 0, 0, 255];
      if (inMargin) return undefined;
    }
    return stoneAt(x, y, gap) >= 0 ? ink : undefined;
  };
}

/** The app icon: light stones on a dark rounded square. */
function appPaint(size: number): Paint {
  const stoneColours = [hex('#cbd2d9'), hex('#e4e7eb'), hex('#bcccdc'), hex('#f0b429')];
  const radius = 0.22;
  const inset = 0.04;
  const inRoundedSquare = (x: number, y: number): boolean => {
    const qx = Math.max(Math.abs(x - 0.5) - (0.5 - inset - radius), 0);
    const qy = Math.max(Math.abs(y - 0.5) - (0.5 - inset - radius), 0);
    return qx * qx + qy * qy <= radius * radius;
  };
  return (x, y) => {
    if (!inRoundedSquare(x, y)) return undefined;
    // Stones drawn at 70% scale, centred.
    const sx = (x - 0.5) / 0.7 + 0.5;
    const sy = (y - 0.52) / 0.7 + 0.5;
    const stone = stoneAt(sx, sy, 2.5 / size / 0.7);
    if (stone >= 0) {
      const base = stoneColours[stone] ?? hex('#e4e7eb');
      // A little shading: darker towards each stone's bottom.
      const e = STONES[stone];
      const shade = e === undefined ? 1 : 1 - Math.max(0, (sy - e.cy) / e.ry) * 0.18;
      return [Math.round(base[0] * shade), Math.round(base[1] * shade), Math.round(base[2] * shade), 255];
    }
    const t = y;
    return [Math.round(0x24 + (0x10 - 0x24) * t), Math.round(0x3b + (0x2a - 0x3b) * t), Math.round(0x53 + (0x43 - 0x53) * t), 255];
  };
}

function main(): void {
  const assets = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets');
  const trayDir = join(assets, 'tray');
  mkdirSync(trayDir, { recursive: true });
  const written: string[] = [];
  const write = (path: string, data: Buffer): void => {
    writeFileSync(path, data);
    written.push(path);
  };

  for (const state of Object.keys(TRAY_COLOURS) as TrayState[]) {
    for (const template of [false, true]) {
      for (const [size, suffix] of [
        [16, ''],
        [32, '@2x'],
      ] as const) {
        const name = `tray-${state}${template ? 'Template' : ''}${suffix}.png`;
        write(join(trayDir, name), encodePng(size, size, render(size, trayPaint(state, template, size))));
      }
    }
  }

  const appIcons = [16, 32, 48, 256, 512].map((size) => ({ size, png: encodePng(size, size, render(size, appPaint(size), size <= 48 ? 6 : 3)) }));
  for (const { size, png } of appIcons) {
    if (size === 512) write(join(assets, 'icon.png'), png);
    if (size === 256) write(join(assets, 'icon-256.png'), png);
  }
  write(join(assets, 'icon.ico'), encodeIco(appIcons.filter((icon) => icon.size <= 256)));
  console.log(`make-icons: wrote ${written.length} files to ${assets}`);
}

main();
