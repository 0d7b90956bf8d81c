// fontkit 2 ships no type declarations. Only what src/reports/fontkit.ts touches is declared;
// pdf-lib's own description of a fontkit font (fontkit 1's API, unchanged in 2) covers the rest.
declare module 'fontkit' {
  export interface FontkitGlyph {
    readonly id: number;
    readonly advanceWidth: number;
    readonly codePoints: readonly number[];
  }
  export interface FontkitSubset {
    includeGlyph(glyph: number | FontkitGlyph): number;
    /** fontkit 2 encodes in one go; fontkit 1 (which pdf-lib expects) had encodeStream(). */
    encode(): Uint8Array;
  }
  export interface FontkitFont {
    readonly unitsPerEm: number;
    glyphsForString(text: string): FontkitGlyph[];
    layout(text: string, features?: unknown): { glyphs: FontkitGlyph[] };
    createSubset(): FontkitSubset;
  }
  export function create(buffer: Uint8Array, postscriptName?: string): FontkitFont;
}
