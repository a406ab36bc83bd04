/**
 * The accounts list's own rules (issue 14): the portfolio header, the views bar, the bulk bar, the
 * row checkboxes, and the phone layout, where each row becomes a card (no table scrolling sideways)
 * and the sortable headings a row of sort links above the cards.
 */
export const COCKPIT_CSS = `
.portfolio h2{display:flex;gap:8px;align-items:baseline;flex-wrap:wrap}
.portfolio-figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:8px}
.figure{display:flex;flex-direction:column;gap:1px;padding:8px 10px;border-radius:8px;background:#f7f8fa;color:inherit;text-decoration:none;min-width:0}
a.figure:hover{background:#eef1f7}
.figure-label{font-size:.78rem;color:#4b5563;font-weight:600}
.figure-arr{font-size:1.05rem;overflow-wrap:anywhere}
.figure-at_risk,.figure-risk{background:#fdf3f3}.figure-pending_handoff,.figure-waiting{background:#fff8ef}
.views-bar{display:flex;gap:8px 16px;flex-wrap:wrap;align-items:center;margin-bottom:10px}
.scope-switch a,.saved-views a{padding:4px 10px;border-radius:999px;text-decoration:none;background:#e8ecf6;color:#1f2a44;display:inline-block;margin:2px 0}
.scope-switch a[aria-current=page],.saved-views a[aria-current=page]{background:#3b5bdb;color:#fff}
.saved-views{display:flex;gap:6px;flex-wrap:wrap}
.shared-mark{font-size:.75rem;opacity:.8}
.views-manage summary{cursor:pointer;color:#3b5bdb}
.views-manage[open]{flex-basis:100%}
.save-view{max-width:420px}
.views-list{list-style:none;padding:0;margin:10px 0 0}.views-list li{display:flex;gap:10px;align-items:center;justify-content:space-between;max-width:420px;padding:2px 0}
.inline-form{display:inline;margin:0}.small-button{padding:3px 10px;margin:0;font-size:.85rem}
.bulk-bar{display:flex;gap:8px 18px;flex-wrap:wrap;align-items:flex-end;padding:12px 16px}
.bulk-bar label{margin:0 0 2px;font-size:.8rem;color:#4b5563}
.bulk-bar .select-all{font-size:.9rem;color:inherit;align-self:center}
.bulk-pair{display:flex;gap:6px;align-items:center}.bulk-pair select{width:auto;max-width:200px}.bulk-pair button,.bulk-action>button{margin:0}
.bulk-note{flex-basis:100%;margin:0}
.sort-controls{display:flex;gap:8px;flex-wrap:wrap}
.accounts-table td:first-child{position:relative;padding-left:36px}
.row-select{position:absolute;left:10px;top:9px;margin:0}
.row-select input{width:16px;height:16px;margin:0}
.bulk-form:has(#select-all:checked) .row-select input{outline:2px solid #3b5bdb;outline-offset:1px}
.page-selected{display:none}.bulk-form:has(#select-all:checked) .page-selected{display:inline}
@media (max-width:600px){
  .accounts-table-wrap{background:transparent;box-shadow:none;padding:0;overflow:visible}
  .accounts-table thead{display:block}
  .accounts-table thead tr{display:flex;flex-wrap:wrap;gap:4px 14px;background:#fff;border-radius:10px;box-shadow:0 1px 2px rgba(0,0,0,.06);padding:8px 12px;margin-bottom:10px}
  .accounts-table thead th{display:block;border:0;padding:0}
  .accounts-table thead th:not([aria-sort]),.accounts-table thead th.health-col{display:none}
  .accounts-table,.accounts-table tbody{display:block}
  .accounts-table tr{display:grid;grid-template-columns:1fr 1fr;gap:4px 12px;background:#fff;border-radius:10px;box-shadow:0 1px 2px rgba(0,0,0,.06);padding:12px 12px 12px 40px;margin-bottom:10px;position:relative}
  .accounts-table td{display:block;border:0;padding:0;min-width:0}
  .accounts-table td.health-cell,.accounts-table td.crm-cell{display:none}
  .accounts-table td:first-child{grid-column:1/-1;position:static;padding:0;font-weight:600}
  .accounts-table .row-select{left:12px;top:14px}
  .accounts-table td[data-label]::before{content:attr(data-label);display:block;font-size:.7rem;text-transform:uppercase;letter-spacing:.04em;color:#6b7280;font-weight:600}
  .accounts-table .progress{min-width:0}
  .bulk-pair{flex-wrap:wrap}.bulk-pair select{max-width:100%}
}
`;
