/** The dashboard's one stylesheet: plain CSS, no build step, readable on a laptop and a phone. */
export const DASHBOARD_CSS = `
*{box-sizing:border-box}
body{margin:0;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2430;background:#f4f5f7;line-height:1.45;font-size:15px}
a{color:#3b5bdb}
.topbar{display:flex;align-items:center;gap:16px;flex-wrap:wrap;background:#1f2a44;color:#fff;padding:10px 20px}
.topbar .brand{font-weight:700;letter-spacing:.02em;color:#fff;text-decoration:none;margin-right:8px}
.topbar nav{display:flex;gap:4px;flex-wrap:wrap;flex:1}
.topbar nav a{color:#d7deef;text-decoration:none;padding:6px 10px;border-radius:6px}
.topbar nav a[aria-current=page],.topbar nav a:hover{background:#33406a;color:#fff}
.topbar .who{display:flex;gap:10px;align-items:center;font-size:.9rem;color:#d7deef}
.topbar .who button{background:transparent;border:1px solid #56638c;color:#fff;padding:4px 10px;margin:0;font-weight:500}
main{max-width:1200px;margin:20px auto;padding:0 16px}
.page-head{display:flex;justify-content:space-between;align-items:center;gap:12px;flex-wrap:wrap;margin-bottom:12px}
h1{font-size:1.45rem;margin:0}h2{font-size:1.1rem;margin:0 0 10px}h3{font-size:1rem;margin:0 0 8px}
.card{background:#fff;border-radius:10px;padding:16px 20px;margin-bottom:16px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:16px}
.muted{color:#6b7280}.small{font-size:.85rem}
label{display:block;font-weight:600;margin:10px 0 4px}
input[type=text],input[type=email],input[type=number],input[type=date],input[type=url],select,textarea{width:100%;font:inherit;padding:7px 10px;border:1px solid #cbd2dc;border-radius:6px;background:#fff}
textarea{min-height:80px}
button,.button{display:inline-block;font:inherit;font-weight:600;background:#3b5bdb;color:#fff;border:0;border-radius:6px;padding:8px 16px;cursor:pointer;text-decoration:none;margin-top:10px}
button.secondary,.button.secondary{background:#e8ecf6;color:#1f2a44}
button.danger{background:#c92a2a}
.field-error{color:#a61b1b;font-size:.85rem;margin-top:2px}
.flash{border-radius:6px;padding:10px 12px;margin-bottom:12px}.flash.error{background:#fdecec;color:#a61b1b}.flash.ok{background:#e6f6ec;color:#146c2e}.flash.info{background:#eef4fb;color:#1d4e89}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #eceff3;vertical-align:top}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:#6b7280;white-space:nowrap}
th a{color:inherit;text-decoration:none}
.table-wrap{overflow-x:auto}
.status{display:inline-block;font-size:.78rem;font-weight:600;padding:2px 8px;border-radius:999px;white-space:nowrap}
.status-pending_handoff{background:#fff4e6;color:#b35c00}.status-active{background:#e6f6ec;color:#146c2e}
.status-at_risk{background:#fdecec;color:#a61b1b}.status-completed{background:#e7f0ff;color:#1c4fb8}.status-churned{background:#eceff3;color:#4b5563}
.tabs{display:flex;gap:4px;flex-wrap:wrap;border-bottom:1px solid #dde2ea;margin-bottom:14px}
.tabs a{padding:8px 12px;text-decoration:none;color:#4b5563;border-bottom:2px solid transparent}
.tabs a[aria-current=page]{color:#1f2a44;border-bottom-color:#3b5bdb;font-weight:600}
.tabs .count{font-size:.8rem;color:#6b7280;margin-left:4px}
.filters{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:8px 12px;align-items:end}
.filters label{margin:0 0 2px;font-size:.8rem;color:#4b5563}
.progress{background:#eceff3;border-radius:999px;height:8px;min-width:80px;overflow:hidden}
.progress span{display:block;height:100%;background:#3b5bdb}
.pager{display:flex;gap:8px;align-items:center;justify-content:flex-end;margin-top:10px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:0}dl.facts dt{color:#6b7280}dl.facts dd{margin:0;min-width:0;overflow-wrap:anywhere}
.timeline{list-style:none;padding:0;margin:0}.timeline li{padding:8px 0;border-bottom:1px solid #eceff3;overflow-wrap:anywhere}
code{overflow-wrap:anywhere}.markdown{overflow-wrap:anywhere}.markdown p{margin:.3em 0}.markdown pre{white-space:pre-wrap}
@media (max-width:640px){.topbar{padding:8px 12px;gap:8px}.topbar nav{order:3;flex-basis:100%;flex-wrap:nowrap;overflow-x:auto}.topbar nav a{white-space:nowrap}.topbar .who{margin-left:auto}main{margin:12px auto;padding:0 10px}.card{padding:14px}th,td{padding:6px}.hide-sm{display:none}}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;padding:0;margin:0;border:0}
.button-row{display:flex;gap:8px;flex-wrap:wrap;align-items:center}
fieldset.template-milestone{border:0;min-width:0}fieldset.template-milestone>legend{font-weight:700;font-size:1.05rem;padding:0}
fieldset.template-action{border:1px solid #dde2ea;border-radius:8px;margin:0 0 12px;padding:12px 14px;min-width:0}fieldset.template-action>legend{font-weight:600;padding:0}
/* A legend sits on its fieldset's top edge by default, half outside a card: floated, it is the box's first line. */
fieldset.template-milestone>legend,fieldset.template-action>legend{float:left;width:100%;margin:0 0 4px}fieldset.template-milestone>legend+*,fieldset.template-action>legend+*{clear:both}
fieldset.template-action>.grid{grid-template-columns:repeat(auto-fit,minmax(min(100%,320px),1fr))}
/* A question's options only for multiple choice (as its kind is picked, no script); a refused one stays shown with its error. */
.question-fields .for-choice{display:none}.question-fields:has(select[data-kind] option[value="multiple_choice"]:checked) .for-choice,.question-fields .for-choice.has-error{display:block}
label.checkbox{font-weight:500}
.status-milestone-pending,.status-primary,.status-drafter{background:#eceff3;color:#4b5563}.status-milestone-in_progress{background:#fff4e6;color:#b35c00}
.status-milestone-completed{background:#e6f6ec;color:#146c2e}.status-unverified,.status-overdue{background:#fdecec;color:#a61b1b}
dl.qa{margin:0}dl.qa dd{margin-left:0}
/* Daily Follow-Up: three lanes side by side on a laptop, one under the other on a phone. */
.fu-lanes{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,320px),1fr));gap:16px;align-items:start;margin-bottom:16px}.fu-lane{margin-bottom:0}
.fu-list{list-style:none;padding:0;margin:0}.fu-item{padding:10px 0;border-top:1px solid #eceff3;overflow-wrap:anywhere}
.fu-account{font-weight:600}.fu-reason{margin:2px 0 8px}.fu-empty{color:#6b7280;margin:6px 0}
.button.fu-next{margin-top:0;max-width:100%;font-size:.9rem;padding:6px 12px}.fu-forms{margin-top:6px}.fu-forms button,.fu-item form button{margin-top:0;padding:4px 10px;font-size:.82rem;font-weight:500}
/* Tasks (issue 14): priority badges; an open task's assignee and priority edited in one row that wraps on a phone. */
.priority-low{background:#eceff3;color:#4b5563}.priority-high{background:#fff4e6;color:#b35c00}.priority-urgent{background:#a61b1b;color:#fff}
form.task-edit{display:flex;gap:6px;flex-wrap:wrap;align-items:center;min-width:0}form.task-edit select{width:auto;max-width:100%;min-width:0;padding:4px 6px;font-size:.85rem}
form.task-edit button,.task-done-form button{margin-top:0;padding:4px 10px;font-size:.85rem}
.task-group{list-style:none;padding:0;margin:0}.task-group li{display:flex;justify-content:space-between;gap:8px 12px;align-items:center;flex-wrap:wrap;padding:10px 0;border-top:1px solid #eceff3;overflow-wrap:anywhere}
.task-group li>span{min-width:0;flex:1 1 14rem}
`;
