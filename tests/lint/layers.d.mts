// Types for layers.mjs (plain JavaScript, so that `npm run check` runs it without a build).
export interface Source {
  readonly path: string;
  readonly text: string;
}
export const MAY_IMPORT: Readonly<Record<string, readonly string[]>>;
export const NO_HONO: readonly string[];
export function specifiers(text: string): string[];
export function unitOf(rel: string): string | undefined;
export function layerProblems(files: readonly Source[]): string[];
