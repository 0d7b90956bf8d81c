// The sign-in page: posts the form as JSON, announces errors, and on success goes straight to
// the page the user wanted. The session cookies arrive with the response, so that page renders
// on its first load. If a session can be renewed silently, the form is skipped.
// Anti-robot checks (src/bot/): the proof of work is solved in a worker from the moment the page
// opens (lib/pow.ts), so a person typing never waits for it; the form's hidden token and decoy
// go along as they are; a submission quicker than the server's minimum is held until then.
import { csrfFromCookie, refreshSession, setCsrfToken } from './lib/api.ts';
import { solveChallenge, workerUrl, type Solving } from './lib/pow.ts';

const form = document.getElementById('login-form') as HTMLFormElement | null;
const errorBox = document.getElementById('form-error');
const submit = document.getElementById('submit') as HTMLButtonElement | null;
const powStatus = document.getElementById('pow-status');
const openedAt = performance.now();

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

/** Waits for the proof of work, saying how far it is if the person was quicker than it. */
async function proof(solving: Solving): Promise<string> {
  const say = (share: number): void => {
    if (powStatus) powStatus.textContent = `Checking that you are not a robot\u2026 ${Math.round(share * 100)}%`;
  };
  const timer = setTimeout(() => say(solving.progress()), 150);
  solving.onProgress(say);
  try {
    return (await solving.done).pow;
  } finally {
    clearTimeout(timer);
    if (powStatus) powStatus.textContent = '';
  }
}

if (form) {
  const base = form.dataset.base ?? '';
  const powMode = form.dataset.pow ?? 'off';
  const minMs = Number(form.dataset.minMs ?? '0');
  // A CSRF cookie means a session may still be renewable (the access token merely expired).
  if (csrfFromCookie() !== undefined && !new URLSearchParams(location.search).has('notice')) {
    void refreshSession().then((ok) => {
      if (ok) location.replace(nextUrl());
    });
  }
  const start = (username?: string): Solving => {
    const started = solveChallenge(base, username);
    // How long the worker took, for the curious (and the browser test that reports it).
    void started.done.then((s) => (form.dataset.powMs = String(Math.round(s.ms))), () => undefined);
    return started;
  };
  let solving: Solving | undefined = powMode !== 'off' && workerUrl() !== undefined ? start() : undefined;

  const post = (fields: Record<string, unknown>): Promise<Response> =>
    fetch(`${base}/api/auth/login`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(fields),
    });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    // Every field as the form holds it: username, password, next, the token and the (empty) decoy.
    const fields: Record<string, unknown> = Object.fromEntries(new FormData(form));
    submit?.setAttribute('disabled', '');
    submit && (submit.textContent = 'Signing in…');
    try {
      const wait = minMs - (performance.now() - openedAt);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (solving !== undefined && powMode === 'always') fields.pow = await proof(solving);
      // Adaptive: sent if already solved (spares a 428 round trip when the check is asked), never waited for.
      else if (solving?.result() !== undefined) fields.pow = solving.result()!.pow;
      let response = await post(fields);
      let body = (await response.json().catch(() => ({}))) as { csrfToken?: string; message?: string; error?: string };
      // Asked for (or a harder) proof of work, or this one was refused: solve one for this username, once.
      if (body.error === 'pow_required' || body.error === 'pow_invalid') {
        solving = start(String(fields.username ?? ''));
        fields.pow = await proof(solving);
        response = await post(fields);
        body = (await response.json().catch(() => ({}))) as typeof body;
      }
      // Each solution is accepted once: the next attempt needs a new one.
      if (powMode !== 'off' && workerUrl() !== undefined) solving = start();
      if (response.ok) {
        if (body.csrfToken) setCsrfToken(body.csrfToken);
        location.assign(nextUrl());
        return;
      }
      showError(body.message ?? 'Sign-in failed. Please try again.');
      (document.getElementById(body.error === 'invalid_credentials' ? 'password' : 'username') as HTMLInputElement | null)?.select();
    } catch (error) {
      showError(error instanceof Error && /robot/.test(error.message) ? error.message : 'Could not reach the server. Check your connection and try again.');
    } finally {
      submit?.removeAttribute('disabled');
      submit && (submit.textContent = 'Sign in');
    }
  });
}
