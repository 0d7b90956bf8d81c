/**
 * Text and colour for pdf-lib pages: positions in the layout's top-down coordinates, widths
 * measured from the embedded font's glyph advances (cached per character: a report measures
 * thousands of cells), anchors like SVG's text-anchor.
 */
import { type Color, type PDFFont, type PDFPage, rgb } from 'pdf-lib';
import { type ColourName, PALETTE } from '../charts/chart.ts';
import { PAGE_HEIGHT } from './layout.ts';

export interface Face {
  readonly font: PDFFont;
  /** Width of `text` at `size` points, exactly as pdf-lib will draw it. */
  width(text: string, size: number): number;
}

export interface Faces {
  readonly regular: Face;
  readonly bold: Face;
}

export function createFace(font: PDFFont): Face {
  const perChar = new Map<string, number>();
  return {
    font,
    width(text, size) {
      let em = 0;
      for (const ch of text) {
        let w = perChar.get(ch);
        if (w === undefined) {
          w = font.widthOfTextAtSize(ch, 1);
          perChar.set(ch, w);
        }
        em += w;
      }
      return em * size;
    },
  };
}

const colours = new Map<string, Color>();

/** A palette name or a `#rrggbb` colour as pdf-lib's RGB. */
export function colour(name: ColourName | `#${string}`): Color {
  const hex = name.startsWith('#') ? name : PALETTE[name as ColourName];
  let found = colours.get(hex);
  if (found === undefined) {
    const n = Number.parseInt(hex.slice(1), 16);
    found = rgb(((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255);
    colours.set(hex, found);
  }
  return found;
}

/**
 * Text as it can be drawn: NFC (decomposed Hangul jamo become syllables the font has), control
 * characters and line breaks as spaces (a cell is one line), runs of spaces collapsed.
 */
export function clean(text: string): string {
  return text
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** PDF y (bottom-up) of a layout y (top-down). */
export const fromTop = (y: number) => PAGE_HEIGHT - y;

export interface TextOptions {
  /** Baseline, in PDF coordinates (bottom-up). */
  readonly x: number;
  readonly y: number;
  readonly size: number;
  readonly color?: Color;
  readonly anchor?: 'start' | 'middle' | 'end';
}

export function drawText(page: PDFPage, face: Face, text: string, options: TextOptions): void {
  if (text === '') return;
  const anchor = options.anchor ?? 'start';
  const width = anchor === 'start' ? 0 : face.width(text, options.size);
  const x = anchor === 'end' ? options.x - width : anchor === 'middle' ? options.x - width / 2 : options.x;
  page.drawText(text, { x, y: options.y, size: options.size, font: face.font, color: options.color ?? colour('ink') });
}
