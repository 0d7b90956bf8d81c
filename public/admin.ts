// The admin page: users, imports and the audit log. The three sections are tabs when JavaScript
// runs (links to #users, #imports, #audit, so each has its own address and back works); without
// it they simply stack. Everything changes through the admin API (lib/api.ts adds the CSRF header).
import { loadAudit, loadAuditOptions, wireAudit } from './lib/admin-audit.ts';
import { loadImports, wireImport } from './lib/admin-imports.ts';
import { loadUsers, wireCreateUser } from './lib/admin-users.ts';
import { loadDefences, wireDefences } from './lib/admin-defences.ts';
import { wireSession } from './lib/session.ts';

wireSession();

const TABS = ['users', 'imports', 'audit', 'defences'] as const;
type Tab = (typeof TABS)[number];

function current(): Tab {
  const hash = location.hash.slice(1);
  return (TABS as readonly string[]).includes(hash) ? (hash as Tab) : 'users';
}

function showTab(focus: boolean): void {
  const tab = current();
  for (const name of TABS) {
    const section = document.getElementById(name)!;
    section.hidden = name !== tab;
    const link = document.querySelector<HTMLAnchorElement>(`a[data-tab="${name}"]`)!;
    if (name === tab) link.setAttribute('aria-current', 'true');
    else link.removeAttribute('aria-current');
  }
  // Moving to a tab by its link: put the reader at its heading, as a page change would.
  if (focus) {
    const heading = document.getElementById(`${tab}-title`)!;
    heading.tabIndex = -1;
    heading.focus();
  }
}

document.body.classList.add('tabbed');
showTab(false);
window.addEventListener('hashchange', () => showTab(true));

wireCreateUser();
wireImport(() => void Promise.all([loadImports(), loadAudit()]));
wireAudit();
wireDefences();
void Promise.all([loadUsers(), loadImports(), loadAuditOptions().then(() => loadAudit()), loadDefences()]);
