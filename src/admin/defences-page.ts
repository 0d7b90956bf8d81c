/**
 * The Admin page's "Defences" section (public/lib/admin-defences.ts fills it from
 * GET /api/admin/defences): the last day's top refused addresses and accounts, the accounts
 * locked out now (with a button to lift each), and the blocked addresses and ranges with a form
 * to add one. Apart from pages.ts so that the page's other sections change without touching it.
 */
const table = (id: string, caption: string, heads: readonly string[], loading: string): string =>
  `<div class="table-scroll"><table id="${id}"><caption class="vh">${caption}</caption><thead><tr>` +
  heads.map((h) => `<th scope="col">${h}</th>`).join('') +
  `</tr></thead><tbody><tr><td colspan="${heads.length}">${loading}</td></tr></tbody></table></div>`;

export function defencesSection(): string {
  return (
    '<section id="defences" class="panel" aria-labelledby="defences-title"><h2 id="defences-title">Defences</h2>' +
    '<p class="hint">Requests the anti-robot and anti-scraping checks refused over the last 24 hours, who is locked out after failed sign-ins, and blocked networks.</p>' +
    '<div id="defences-error" class="alert" role="alert" tabindex="-1" hidden></div>' +
    '<p id="defences-status" class="status" role="status" aria-live="polite"></p>' +
    '<h3 id="refused-addresses-title">Most refused addresses</h3>' +
    table('refused-addresses', 'Addresses refused most over the last day', ['Address', 'Refused', 'Reasons', 'Last', 'Action'], 'Loading\u2026') +
    '<h3 id="refused-accounts-title">Most refused accounts</h3>' +
    table('refused-accounts', 'Accounts named in refused requests over the last day', ['Account', 'Refused', 'Reasons', 'Last'], 'Loading\u2026') +
    '<h3 id="locked-title">Locked out now</h3>' +
    table('locked-out', 'Accounts locked out now after failed sign-ins', ['Account', 'From address', 'Failures', 'Until', 'Action'], 'Loading\u2026') +
    '<h3 id="blocks-title">Blocked addresses and ranges</h3>' +
    table('blocks-table', 'Blocked addresses and ranges', ['Address or range', 'Reason', 'By', 'Since', 'Action'], 'Loading\u2026') +
    '<form id="block-form" class="stack-form" aria-labelledby="block-form-title"><h4 id="block-form-title">Block an address or range</h4>' +
    '<div class="field"><label for="block-cidr">Address or range (IPv4 or IPv6, e.g. 203.0.113.0/24)</label>' +
    '<input id="block-cidr" name="cidr" required autocomplete="off" spellcheck="false" autocapitalize="none"></div>' +
    '<div class="field"><label for="block-reason">Reason (optional)</label><input id="block-reason" name="reason" autocomplete="off" maxlength="200"></div>' +
    '<button type="submit">Block</button></form></section>'
  );
}
