import type { SavedView } from '../../../db/repositories/savedViews.ts';
import { CsrfField } from '../CsrfField.tsx';

export interface ViewLink { view: SavedView; href: string; current: boolean; deletable: boolean }

/**
 * The list's scope switch (a CSM's "My accounts · All accounts") and the saved views as links, the
 * current one marked; "Save this view" and deleting a view are small forms, so no script is needed.
 */
export function ViewsBar(p: {
  csrfToken: string;
  scope: { mine: { href: string; current: boolean }; all: { href: string; current: boolean } } | null;
  views: ViewLink[];
  /** The current list's query string (canonical), what "Save this view" saves. */
  query: string;
}) {
  return (
    <div class="views-bar">
      {p.scope ? (
        <nav class="scope-switch" aria-label="Whose accounts">
          <a href={p.scope.mine.href} aria-current={p.scope.mine.current ? 'page' : undefined}>My accounts</a>
          <span aria-hidden="true"> · </span>
          <a href={p.scope.all.href} aria-current={p.scope.all.current ? 'page' : undefined}>All accounts</a>
        </nav>
      ) : null}
      {p.views.length ? (
        <nav class="saved-views" aria-label="Saved views">
          {p.views.map((v) => (
            <a href={v.href} aria-current={v.current ? 'page' : undefined} data-view={v.view.id}>
              {v.view.name}{v.view.ownerUserId === null ? <span class="shared-mark" title="Shared with the organisation"> · shared</span> : null}
            </a>
          ))}
        </nav>
      ) : null}
      <details class="views-manage">
        <summary>Save this view{p.views.some((v) => v.deletable) ? ' · manage views' : ''}</summary>
        <form method="post" action="/accounts/views" class="save-view">
          <CsrfField token={p.csrfToken} />
          <input type="hidden" name="query" value={p.query} />
          <label for="view-name">View name</label>
          <input id="view-name" name="name" type="text" maxlength={60} required placeholder="e.g. Enterprise at risk" />
          <label class="checkbox"><input type="checkbox" name="shared" value="yes" /> Share with everyone in the organisation</label>
          <button type="submit">Save view</button>
        </form>
        {p.views.some((v) => v.deletable) ? (
          <ul class="views-list">
            {p.views.filter((v) => v.deletable).map((v) => (
              <li>
                <span>{v.view.name}{v.view.ownerUserId === null ? ' (shared)' : ''}</span>
                <form method="post" action={`/accounts/views/${v.view.id}/delete`} class="inline-form">
                  <CsrfField token={p.csrfToken} />
                  <button type="submit" class="secondary small-button" aria-label={`Delete the view ${v.view.name}`}>Delete</button>
                </form>
              </li>
            ))}
          </ul>
        ) : null}
      </details>
    </div>
  );
}
