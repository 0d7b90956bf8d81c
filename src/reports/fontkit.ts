/**
 * fontkit 2 behind the interface pdf-lib expects of its fontkit (written against fontkit 1).
 *
 * Why not @pdf-lib/fontkit, pdf-lib's own fork: its TrueType subsetter writes a short `loca`
 * table without padding odd-length glyph records, so after the first odd glyph every offset is
 * a byte off and glyphs draw blank or wrong while the text still extracts (seen here with
 * Pretendard: half the Hangul and Latin glyphs missing in poppler's rendering; fixed upstream in
 * fontkit 1.8). Upstream fontkit 2 subsets correctly; it only renamed `encodeStream()` to
 * `encode()`, which this adapter bridges.
 *
 * Layout is plain character-to-glyph mapping (cmap), without OpenType shaping: Latin and
 * precomposed Hangul need none, pdf-lib never applied kerning positions anyway, and it makes a
 * drawn string exactly as wide as its glyphs' advances (what the table's truncation measures)
 * at a fraction of the cost. Text is normalised to NFC so decomposed jamo find their syllables.
 */
import * as fontkit from 'fontkit';
import type { PDFDocument } from 'pdf-lib';

type Fontkit = Parameters<PDFDocument['registerFontkit']>[0];
type PdfLibFont = ReturnType<Fontkit['create']>;

/** Parsed fonts by their bytes: the loader hands every report the same Uint8Array. */
const parsed = new WeakMap<Uint8Array, PdfLibFont>();

function adapt(bytes: Uint8Array): PdfLibFont {
  const font = fontkit.create(bytes);
  font.layout = (text: string) => ({ glyphs: font.glyphsForString(text.normalize('NFC')) });
  const createSubset = font.createSubset.bind(font);
  const adapted = font as unknown as { createSubset: () => unknown };
  adapted.createSubset = () => {
    const subset = createSubset();
    return {
      includeGlyph: (glyph: Parameters<typeof subset.includeGlyph>[0]) => subset.includeGlyph(glyph),
      encodeStream: () => streamOf(subset),
    };
  };
  return font as unknown as PdfLibFont;
}

/** pdf-lib listens for 'data', 'end' and 'error' in that order, then waits. */
function streamOf(subset: fontkit.FontkitSubset) {
  const listeners: { data?: (bytes: Uint8Array) => void; end?: () => void; error?: (error: unknown) => void } = {};
  const stream = {
    on(event: 'data' | 'end' | 'error', callback: (value: never) => void) {
      (listeners as Record<string, unknown>)[event] = callback;
      return stream;
    },
  };
  queueMicrotask(() => {
    try {
      const bytes = subset.encode();
      listeners.data?.(bytes);
      listeners.end?.();
    } catch (error) {
      listeners.error?.(error);
    }
  });
  return stream;
}

export const fontkitForPdfLib: Fontkit = {
  create(bytes: Uint8Array) {
    let font = parsed.get(bytes);
    if (font === undefined) {
      font = adapt(bytes);
      parsed.set(bytes, font);
    }
    return font;
  },
};
