/**
 * Request bodies: a size limit on every method that carries one, and JSON parsing whose
 * failures are the client's (400), never ours (500).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from './errors.ts';

/** Refuses bodies above `maxBytes` (by Content-Length, or while streaming when there is none). */
export function createBodyLimit(maxBytes: number): MiddlewareHandler {
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw new Error('createBodyLimit: maxBytes must be a positive integer');
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError('payload_too_large', { message: `The request body is larger than ${formatBytes(maxBytes)}.` });
    },
  });
}

/** Methods whose requests carry a body; GET and HEAD carry none and skip the check. */
export const BODY_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** `createBodyLimit(bytes)`, with larger limits for named routes (the CSV import), by path below BASE_PATH. */
export function createBodyLimits(bytes: number, byPath: Readonly<Record<string, number>> = {}): MiddlewareHandler {
  const fallback = createBodyLimit(bytes);
  const routes = new Map(Object.entries(byPath).map(([path, limit]) => [path, createBodyLimit(limit)]));
  return (c, next) => (routes.get(c.req.path) ?? fallback)(c, next);
}

/** Reads a JSON object body: wrong type or broken JSON is `400 bad_request`. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header('Content-Type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw new AppError('bad_request', { message: 'Send the body as JSON (Content-Type: application/json).' });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await c.req.text());
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('bad_request', { message: 'The request body is not valid JSON.' });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AppError('bad_request', { message: 'The request body must be a JSON object.' });
  }
  return parsed as Record<string, unknown>;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round(bytes / (1024 * 1024))} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
}
