/**
 * Stands in for the `brotli` package in the server bundle (build.mjs aliases it here). fontkit
 * needs brotli only to open WOFF2 files; the report embeds TrueType files only, and the real
 * package would add a large decompression dictionary to every cold start.
 */
export default function decompress(): never {
  throw new Error('WOFF2 fonts are not supported in this build: use a TrueType (.ttf) font');
}
