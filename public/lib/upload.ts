/**
 * Uploads a CSV file to the import API with XMLHttpRequest, because fetch cannot report upload
 * progress. It keeps lib/api.ts's contract by hand: the CSRF header, and on an expired access
 * token one shared refresh and one retry.
 */
import { basePath, currentCsrf, goToSignIn, refreshSession } from './api.ts';

export interface UploadAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface UploadProgress {
  /** Bytes sent so far, 0..1; null while the server checks and imports the file. */
  (fraction: number | null): void;
}

function sendOnce(path: string, file: File, onProgress: UploadProgress): Promise<UploadAnswer> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${basePath()}${path}`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Content-Type', 'text/csv');
    xhr.setRequestHeader('Accept', 'application/json');
    const csrf = currentCsrf();
    if (csrf !== undefined) xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    // Every byte is out: what remains is the server's work (parse, check, write).
    xhr.upload.onload = () => onProgress(null);
    xhr.onload = () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(xhr.responseText) as Record<string, unknown>;
      } catch {
        // Not JSON (a proxy's error page): the status says enough.
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new Error('Could not reach the server. Check your connection and try again.'));
    xhr.onabort = () => reject(new Error('The upload was cancelled.'));
    xhr.send(file);
  });
}

export async function uploadCsv(file: File, onProgress: UploadProgress): Promise<UploadAnswer> {
  const path = `/api/admin/imports?filename=${encodeURIComponent(file.name)}`;
  let answer = await sendOnce(path, file, onProgress);
  if (answer.status === 401) {
    if (answer.body.error === 'token_expired' && (await refreshSession())) {
      onProgress(0);
      answer = await sendOnce(path, file, onProgress);
    } else goToSignIn();
  }
  return answer;
}
