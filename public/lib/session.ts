/**
 * What every signed-in page does with its session: sign out through the API (the forms also
 * work without JavaScript), and never show a page restored from the back/forward cache after
 * sign-out — on such a restore the page asks the server again, which sends it to sign in.
 */
import { api, basePath } from './api.ts';

export function wireSession(): void {
  for (const id of ['sign-out', 'sign-out-all']) {
    const form = document.getElementById(id) as HTMLFormElement | null;
    form?.addEventListener('submit', async (event) => {
      event.preventDefault();
      form.querySelector('button')?.setAttribute('disabled', '');
      try {
        await api(id === 'sign-out' ? '/api/auth/logout' : '/api/auth/logout-all', { method: 'POST' });
      } catch {
        // Signed out already, or the server is unreachable: the sign-in page says which.
      }
      // Drop the figures before leaving, so no snapshot of them outlives the session.
      document.getElementById('main')?.replaceChildren();
      location.replace(`${basePath()}/login?notice=signed_out`);
    });
  }
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) location.reload();
  });
}
