// The signed-in start page: confirms the session with the API (renewing it silently if the
// access token expired) and signs out through the API, so a stale page cannot keep data.
import { api, basePath } from './lib/api.ts';

const status = document.getElementById('status');

async function check(): Promise<void> {
  try {
    const response = await api('/api/me');
    const { user } = (await response.json()) as { user: { displayName: string } };
    const who = document.getElementById('who');
    if (who) who.textContent = user.displayName;
  } catch {
    if (status) status.textContent = 'Could not confirm your session.';
  }
}

for (const id of ['sign-out', 'sign-out-all']) {
  const form = document.getElementById(id) as HTMLFormElement | null;
  form?.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await api(id === 'sign-out' ? '/api/auth/logout' : '/api/auth/logout-all', { method: 'POST' });
    } catch {
      // Signed out already, or the server is unreachable: the sign-in page says which.
    }
    location.replace(`${basePath()}/login?notice=signed_out`);
  });
}

void check();
// Back/forward cache: a page restored after sign-out must not show data; reload asks the server.
window.addEventListener('pageshow', (event) => {
  if (event.persisted) location.reload();
});
