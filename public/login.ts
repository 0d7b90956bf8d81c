// The sign-in page: posts the form as JSON, announces errors, and on success goes straight to
// the page the user wanted. The session cookies arrive with the response, so that page renders
// on its first load. If a session can be renewed silently, the form is skipped.
import { csrfFromCookie, refreshSession, setCsrfToken } from './lib/api.ts';

const form = document.getElementById('login-form') as HTMLFormElement | null;
const errorBox = document.getElementById('form-error');
const submit = document.getElementById('submit') as HTMLButtonElement | null;

function showError(message: string): void {
  if (!errorBox) return;
  errorBox.textContent = message;
  errorBox.hidden = false;
  errorBox.focus();
}

function nextUrl(): string {
  const next = (form?.elements.namedItem('next') as HTMLInputElement | null)?.value ?? '/';
  // The server never sees a #fragment (e.g. /admin#imports), but the browser kept it through the
  // redirect to this page: hand it on.
  return next.includes('#') || location.hash === '' ? next : `${next}${location.hash}`;
}

if (form) {
  const base = form.dataset.base ?? '';
  // A CSRF cookie means a session may still be renewable (the access token merely expired).
  if (csrfFromCookie() !== undefined && !new URLSearchParams(location.search).has('notice')) {
    void refreshSession().then((ok) => {
      if (ok) location.replace(nextUrl());
    });
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const data = new FormData(form);
    submit?.setAttribute('disabled', '');
    submit && (submit.textContent = 'Signing in…');
    try {
      const response = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ username: data.get('username'), password: data.get('password') }),
      });
      const body = (await response.json().catch(() => ({}))) as { csrfToken?: string; message?: string; error?: string };
      if (response.ok) {
        if (body.csrfToken) setCsrfToken(body.csrfToken);
        location.assign(nextUrl());
        return;
      }
      showError(body.message ?? 'Sign-in failed. Please try again.');
      (document.getElementById(body.error === 'invalid_credentials' ? 'password' : 'username') as HTMLInputElement | null)?.select();
    } catch {
      showError('Could not reach the server. Check your connection and try again.');
    } finally {
      submit?.removeAttribute('disabled');
      submit && (submit.textContent = 'Sign in');
    }
  });
}
