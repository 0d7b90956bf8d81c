/** The URL prefix the app lives under (BASE_PATH, PASSENGER_BASE_URI, PUBLIC_URL's path). */

/** `/dashboard/` → `/dashboard`; `/` → `''`. Undefined when it is not a plain URL path. */
export function normaliseBasePath(text: string): string | undefined {
  if (!text.startsWith('/')) return undefined;
  const trimmed = text.replace(/\/+$/, '');
  if (trimmed === '') return '';
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(trimmed)) return undefined;
  if (trimmed.split('/').some((segment) => segment === '.' || segment === '..')) return undefined;
  return trimmed;
}
