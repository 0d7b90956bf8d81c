export {};

// The start page: shows whether the service's storage is healthy.
const status = document.getElementById('health');
const url = status?.dataset.healthUrl;
if (status && url) {
  fetch(url, { headers: { Accept: 'application/json' } })
    .then(async (response) => {
      const body = (await response.json()) as { status?: string; failing?: Array<{ part: string; problem: string }> };
      status.textContent =
        response.ok && body.status === 'ok'
          ? 'Storage is healthy.'
          : `Storage problem: ${(body.failing ?? []).map((f) => f.problem).join('; ') || 'unknown'}`;
    })
    .catch(() => {
      status.textContent = 'Could not reach the service.';
    });
}
