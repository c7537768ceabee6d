import LetheCore
import Mustache

/// The console's templates, stylesheet and script, compiled into the binary (an installed `lethe`
/// needs no files beside it). `{{name}}` is HTML-escaped (``HTMLText``); `{{{body}}}` is used
/// only for a page already rendered (and escaped) by these templates.
enum ConsoleTemplates {
    /// The library of every page template, by name.
    static let library: MustacheLibrary = {
        // `{{name}}` escaped byte by byte (HTMLText): swift-mustache's own HTML escaping goes by
        // Character, and lets through a quote that a combining mark joins (`"` + U+0301), which
        // a browser still reads as the end of an attribute.
        MustacheContentTypes.register(EscapedHTML(), named: EscapedHTML.name)
        var library = MustacheLibrary()
        for (name, text) in pages {
            // A template that does not parse is a programming error caught by every console test.
            library.register(
                try! MustacheTemplate(string: "{{% CONTENT_TYPE: \(EscapedHTML.name)}}" + text), named: name)
        }
        return library
    }()

    /// HTML whose every `{{name}}` is escaped by ``HTMLText``.
    struct EscapedHTML: MustacheContentType {
        static let name = "LETHE_HTML"

        func escapeText(_ text: String) -> String { HTMLText.escape(text) }
    }

    static let pages: [String: String] = [
        "layout": layout, "signin": signIn, "dashboard": dashboard, "assets": assets, "asset": asset, "jobs": jobs,
        "certificates": certificates, "job": job, "data": data, "erasures": erasures, "erasure": erasure,
        "users": users, "reports": reports,
        "error": error,
    ]

    static let layout = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Lethe</title>
        <link rel="icon" href="/console/static/icon.svg" type="image/svg+xml">
        <link rel="stylesheet" href="/console/static/console.css">
        <script src="/console/static/console.js" defer></script>
        </head>
        <body>
        <a class="skip" href="#main">Skip to content</a>
        <header>
        <span class="brand">Lethe</span>
        {{#user}}
        <nav aria-label="Main">
        <a href="/console/">Dashboard</a>
        <a href="/console/assets">Assets</a>
        <a href="/console/jobs">Jobs</a>
        <a href="/console/certificates">Certificates</a>
        <a href="/console/data">Data map</a>
        <a href="/console/erasure">Erasure</a>
        {{#reports}}<a href="/console/reports">Reports</a>{{/reports}}
        {{#admin}}<a href="/console/users">Users</a>{{/admin}}
        </nav>
        <form class="signout" method="post" action="/console/signout">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <span>Signed in as <strong>{{name}}</strong> ({{roles}})</span>
        <button type="submit">Sign out</button>
        </form>
        {{/user}}
        </header>
        <main id="main">
        {{#notice}}<p class="notice" role="status">{{.}}</p>{{/notice}}
        {{{body}}}
        </main>
        </body>
        </html>
        """

    static let signIn = """
        <h1>Sign in</h1>
        {{#error}}<p class="error" role="alert">{{.}}</p>{{/error}}
        <form method="post" action="/console/signin" class="card">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="name">User name</label>
        <input id="name" name="name" autocomplete="username" required value="{{name}}">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required>
        <button type="submit">Sign in</button>
        </form>
        """

    static let dashboard = """
        <h1>Dashboard</h1>
        <section aria-labelledby="h-assets">
        <h2 id="h-assets">Assets by lifecycle state</h2>
        <table id="assets-by-state">
        <thead><tr><th scope="col">State</th><th scope="col">Assets</th></tr></thead>
        <tbody>
        {{#states}}<tr><th scope="row"><a href="/console/assets?state={{state}}">{{state}}</a></th><td data-state="{{state}}">{{count}}</td></tr>{{/states}}
        </tbody>
        </table>
        </section>
        <section aria-labelledby="h-jobs">
        <h2 id="h-jobs">Disposal jobs</h2>
        <p><strong id="overdue-jobs">{{overdueJobCount}}</strong> open jobs are past due.</p>
        {{#hasOverdueJobs}}
        <table>
        <thead><tr><th scope="col">Job</th><th scope="col">Asset</th><th scope="col">State</th><th scope="col">Due</th></tr></thead>
        <tbody>
        {{#overdueJobs}}<tr><td><a href="/console/jobs/{{id}}">Job {{id}}</a></td><td><a href="/console/assets/{{tagPath}}">{{tag}}</a></td><td>{{state}}</td><td>{{due}}</td></tr>{{/overdueJobs}}
        </tbody>
        </table>
        {{/hasOverdueJobs}}
        </section>
        {{#canReadJobs}}
        <section aria-labelledby="h-due">
        <h2 id="h-due">Jobs due in the next 7 days</h2>
        <p><strong id="due-soon">{{dueSoonCount}}</strong> open jobs are due within 7 days.</p>
        {{#hasDueSoon}}
        <table>
        <thead><tr><th scope="col">Job</th><th scope="col">Asset</th><th scope="col">State</th><th scope="col">Due</th></tr></thead>
        <tbody>
        {{#dueSoon}}<tr><td><a href="/console/jobs/{{id}}">Job {{id}}</a></td><td>{{tag}}</td><td>{{state}}</td><td>{{due}}</td></tr>{{/dueSoon}}
        </tbody>
        </table>
        {{/hasDueSoon}}
        </section>
        {{#chart}}
        <section aria-labelledby="h-chart">
        <h2 id="h-chart">Sanitizations per week, by method</h2>
        <p>{{total}} jobs executed in the last 8 weeks.
        {{#legend}}<span class="legend"><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="{{fill}}"/></svg> {{method}}</span> {{/legend}}</p>
        <svg class="chart" viewBox="0 0 480 180" role="img" aria-labelledby="h-chart">
        <line x1="0" y1="160" x2="480" y2="160" stroke="#767676"/>
        {{#bars}}<rect x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}" fill="{{fill}}"><title>{{title}}</title></rect>{{/bars}}
        {{#labels}}<text x="{{x}}" y="{{y}}" text-anchor="middle" font-size="11" fill="#1a1a1a">{{text}}</text>{{/labels}}
        </svg>
        <details><summary>The numbers</summary>
        <table>
        <thead><tr><th scope="col">Week of</th>{{#methods}}<th scope="col">{{.}}</th>{{/methods}}</tr></thead>
        <tbody>{{#table}}<tr><th scope="row">{{week}}</th>{{#counts}}<td>{{.}}</td>{{/counts}}</tr>{{/table}}</tbody>
        </table>
        </details>
        </section>
        {{/chart}}
        {{/canReadJobs}}
        <section aria-labelledby="h-erasure">
        <h2 id="h-erasure">Erasure requests</h2>
        <p><strong>{{openErasureRequests}}</strong> open; <strong>{{overdueErasureCount}}</strong> past their due date. <a href="/console/erasure">Follow or file a request</a></p>
        </section>
        <section aria-labelledby="h-backups">
        <h2 id="h-backups">Backups awaiting destruction past due</h2>
        {{^overdueBackups}}<p>None. <a href="/console/data">All backups and stores</a></p>{{/overdueBackups}}
        {{#hasOverdueBackups}}
        <table>
        <thead><tr><th scope="col">Backup</th><th scope="col">Store</th><th scope="col">Destruction due</th></tr></thead>
        <tbody>
        {{#overdueBackups}}<tr><td>{{id}}</td><td>{{store}}</td><td>{{due}}</td></tr>{{/overdueBackups}}
        </tbody>
        </table>
        {{/hasOverdueBackups}}
        </section>
        """

    static let assets = """
        <h1>Assets</h1>
        {{#error}}<p class="error" role="alert">{{.}}</p>{{/error}}
        {{#hasProblems}}
        <p>Nothing was imported. Fix these rows and upload the file again:</p>
        <ul id="import-problems">{{#problems}}<li>{{.}}</li>{{/problems}}</ul>
        {{/hasProblems}}
        <form method="get" action="/console/assets" class="search" role="search">
        <label for="q">Search tag, serial, custodian or location</label>
        <input id="q" name="q" value="{{q}}">
        <label for="state">State</label>
        <select id="state" name="state">
        <option value="">any</option>
        {{#stateOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/stateOptions}}
        </select>
        <label for="type">Type</label>
        <select id="type" name="type">
        <option value="">any</option>
        {{#typeOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/typeOptions}}
        </select>
        <label for="classification">Classification</label>
        <select id="classification" name="classification">
        <option value="">any</option>
        {{#classificationOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/classificationOptions}}
        </select>
        <button type="submit">Search</button>
        </form>
        <p>{{total}} matching assets.</p>
        {{#canRetire}}<form method="post" action="/console/assets/retire-selected" id="bulk-retire-form">
        <input type="hidden" name="csrf" value="{{csrf}}">{{/canRetire}}
        <div class="scroll">
        <table id="asset-table">
        <thead><tr>{{#canRetire}}<th scope="col">Select</th>{{/canRetire}}<th scope="col">Tag</th><th scope="col">Type</th><th scope="col">Serial</th><th scope="col">Custodian</th><th scope="col">Location</th><th scope="col">State</th></tr></thead>
        <tbody>
        {{#rows}}<tr>{{#canRetire}}<td>{{#inService}}<input type="checkbox" name="tag" value="{{tag}}" id="select-{{index}}" aria-label="Select {{tag}}">{{/inService}}</td>{{/canRetire}}<td><a href="/console/assets/{{tagPath}}">{{tag}}</a></td><td>{{mediaType}}</td><td>{{serial}}</td><td>{{custodian}}</td><td>{{location}}</td><td>{{state}}</td></tr>{{/rows}}
        </tbody>
        </table>
        </div>
        {{#canRetire}}<div class="card">
        <label for="bulk-reason">Reason for retiring the selected assets</label><input id="bulk-reason" name="reason">
        <button type="submit" data-confirm="Retire the selected assets (and the in-service assets attached to them)?">Retire selected</button>
        </div>
        </form>{{/canRetire}}
        {{#next}}<p><a rel="next" href="{{.}}">Next page</a></p>{{/next}}
        {{#canRegister}}
        <h2 id="register">Register an asset</h2>
        <form method="post" action="/console/assets" class="card" id="register-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="r-tag">Tag</label><input id="r-tag" name="tag" required>
        <label for="r-type">Media type</label>
        <select id="r-type" name="media_type">{{#mediaTypes}}<option>{{.}}</option>{{/mediaTypes}}</select>
        <label for="r-class">Classification</label>
        <select id="r-class" name="classification">{{#classifications}}<option>{{.}}</option>{{/classifications}}</select>
        <label for="r-serial">Serial</label><input id="r-serial" name="serial">
        <label for="r-custodian">Custodian</label><input id="r-custodian" name="custodian">
        <label for="r-location">Location</label><input id="r-location" name="location">
        <button type="submit">Register</button>
        </form>
        {{/canRegister}}
        {{#canImport}}
        <h2 id="import">Import a CSV file</h2>
        <form method="post" action="/console/assets/import" enctype="multipart/form-data" class="card" id="import-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="i-file">CSV file with the register's columns (tag, media_type, classification …; see docs/guide-it-staff.md)</label>
        <input id="i-file" name="file" type="file" accept=".csv,text/csv" required>
        <button type="submit">Import</button>
        </form>
        {{/canImport}}
        """

    static let asset = """
        <h1>Asset {{tag}}</h1>
        <dl class="fields">
        {{#fields}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/fields}}
        </dl>
        <h2>Actions</h2>
        {{^actions}}<p>No lifecycle action is open to you for this asset now.</p>{{/actions}}
        {{#actions}}
        <form method="post" action="/console/assets/{{tag}}/{{verb}}" class="card">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="reason-{{verb}}">Reason</label><input id="reason-{{verb}}" name="reason">
        <button type="submit" data-confirm="{{label}} {{tag}}?">{{label}}</button>
        </form>
        {{/actions}}
        {{#canMove}}
        <form method="post" action="/console/assets/{{tagPath}}/move" class="card" id="move-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="m-to">Hand over to (custodian)</label><input id="m-to" name="to" required>
        <label for="m-location">New location</label><input id="m-location" name="location">
        <label for="m-seals">Seal numbers (comma-separated)</label><input id="m-seals" name="seals">
        <button type="submit">Transfer custody</button>
        </form>
        {{/canMove}}
        <h2>Custody chain</h2>
        <ol class="timeline" id="custody">
        {{#custody}}<li><time datetime="{{at}}">{{at}}</time> {{summary}} (recorded by {{actor}})</li>{{/custody}}
        </ol>
        <h2>Disposal jobs</h2>
        {{^hasJobs}}<p>None.</p>{{/hasJobs}}
        {{#hasJobs}}
        <table id="asset-jobs">
        <thead><tr><th scope="col">Job</th><th scope="col">State</th><th scope="col">Method</th><th scope="col">Due</th></tr></thead>
        <tbody>{{#jobs}}<tr><td><a href="/console/jobs/{{id}}">Job {{id}}</a></td><td>{{state}}</td><td>{{method}}</td><td>{{due}}{{#overdue}} <strong class="error">overdue</strong>{{/overdue}}</td></tr>{{/jobs}}</tbody>
        </table>
        {{/hasJobs}}
        {{#hasRecords}}
        <h2>Certificates</h2>
        <ul id="asset-records">{{#records}}<li><a href="/console/certificates/{{serialPath}}/record.html">{{serial}}</a> ({{status}})</li>{{/records}}</ul>
        {{/hasRecords}}
        <h2>History</h2>
        <ol class="timeline">
        {{#events}}<li><time datetime="{{at}}">{{at}}</time> <strong>{{type}}</strong> by {{actor}}</li>{{/events}}
        </ol>
        """

    static let jobs = """
        <h1>Disposal jobs</h1>
        <form method="get" action="/console/jobs" class="search">
        <label for="state">State</label>
        <select id="state" name="state">
        <option value="">any</option>
        {{#stateOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/stateOptions}}
        </select>
        <button type="submit">Show</button>
        </form>
        {{^hasRows}}<p>No jobs.</p>{{/hasRows}}
        {{#hasRows}}
        <div class="scroll">
        <table id="job-table">
        <thead><tr><th scope="col">Job</th><th scope="col">Asset</th><th scope="col">State</th><th scope="col">Method</th><th scope="col">Due</th><th scope="col">Requested by</th><th scope="col">Approved by</th><th scope="col">Actions</th></tr></thead>
        <tbody>
        {{#rows}}<tr><td><a href="/console/jobs/{{id}}">Job {{id}}</a></td><td><a href="/console/assets/{{tagPath}}">{{tag}}</a></td><td>{{state}}</td><td>{{method}}</td>
        <td>{{due}}{{#overdue}} <strong class="error">overdue</strong>{{/overdue}}</td><td>{{requestedBy}}</td><td>{{approvedBy}}</td>
        <td>{{#actions}}<form method="post" action="/console/jobs/{{id}}/{{verb}}" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{label}}</button></form>{{/actions}}
        {{#refusals}}<p class="refusal">{{.}}</p>{{/refusals}}</td></tr>{{/rows}}
        </tbody>
        </table>
        </div>
        {{/hasRows}}
        """

    static let certificates = """
        <h1>Certificates</h1>
        <form method="get" action="/console/certificates" class="search" role="search">
        <label for="cq">Search by serial or asset tag</label>
        <input id="cq" name="q" value="{{q}}">
        <button type="submit">Search</button>
        </form>
        {{^hasRows}}{{#searched}}<p>No record's serial or asset tag contains “{{q}}”.</p>{{/searched}}{{^searched}}<p>No records have been issued.</p>{{/searched}}{{/hasRows}}
        {{#truncated}}<p>The newest {{shown}} are shown; search to find older ones.</p>{{/truncated}}
        {{#hasRows}}
        <div class="scroll">
        <table id="certificate-table">
        <thead><tr><th scope="col">Serial</th><th scope="col">Kind</th><th scope="col">Asset</th><th scope="col">Job</th><th scope="col">Issued</th><th scope="col">Status</th><th scope="col">Files</th><th scope="col">Revoke</th></tr></thead>
        <tbody>
        {{#rows}}<tr><td>{{serial}}</td><td>{{kind}}</td><td>{{asset}}</td><td>{{job}}</td><td>{{issued}}</td>
        <td>{{status}}{{#revoked}}: {{reason}}{{/revoked}}</td>
        <td><a href="/console/certificates/{{serialPath}}/record.html">View</a> · <a href="/console/certificates/{{serialPath}}/bundle">Bundle (tar.gz)</a></td>
        <td>{{#canRevoke}}<form method="post" action="/console/certificates/{{serialPath}}/revoke" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="revoke-{{serialPath}}">Reason</label> <input id="revoke-{{serialPath}}" name="reason" required>
        <button type="submit">Revoke</button></form>{{/canRevoke}}</td></tr>{{/rows}}
        </tbody>
        </table>
        </div>
        {{/hasRows}}
        """

    static let error = """
        <h1>{{heading}}</h1>
        <p class="error" role="alert">{{message}}</p>
        {{#hasProblems}}<ul id="error-problems">{{#problems}}<li>{{.}}</li>{{/problems}}</ul>{{/hasProblems}}
        {{#hint}}<p id="error-hint">{{.}}</p>{{/hint}}
        {{#notFound}}<form method="get" action="/console/assets" class="search" role="search">
        <label for="nf-q">Search the assets</label><input id="nf-q" name="q"><button type="submit">Search</button>
        </form>{{/notFound}}
        <p><a href="/console/">Back to the dashboard</a></p>
        """

    /// The stylesheet: readable at 360 px, visible focus, text contrast at least 4.5:1.
    static let css = """
        :root { color-scheme: light; --ink: #1a1a1a; --link: #0a4a8f; --accent: #0a4a8f; --line: #767676; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--ink); background: #fff; }
        header { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding: .5rem 1rem;
          background: #0a2540; color: #fff; }
        header a, header span { color: #fff; }
        .brand { font-weight: 700; font-size: 1.2rem; }
        nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
        .signout { margin-left: auto; display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
        main { padding: 1rem; max-width: 72rem; }
        a { color: var(--link); }
        .skip { position: absolute; left: -999px; }
        .skip:focus { left: 1rem; top: 1rem; background: #fff; color: var(--link); padding: .5rem; }
        :focus-visible { outline: 3px solid #c2410c; outline-offset: 2px; }
        table { border-collapse: collapse; margin: .5rem 0 1rem; }
        th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; }
        .scroll { overflow-x: auto; }
        .card { display: grid; gap: .25rem; max-width: 28rem; padding: 1rem; border: 1px solid var(--line);
          margin: .5rem 0 1rem; }
        .search { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
        input, select, button { font: inherit; padding: .35rem .5rem; border: 1px solid var(--line); }
        button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
        header button { background: #fff; color: #0a2540; }
        .error { color: #a4161a; font-weight: 600; }
        .notice { background: #e7f1e8; color: #14532d; padding: .5rem; }
        .fields { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
        .fields dt { font-weight: 600; }
        .fields dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
        .timeline { padding-left: 1.25rem; }
        .inline { display: inline; }
        .chart { width: 100%; max-width: 40rem; height: auto; }
        .legend { white-space: nowrap; }
        .refusal { margin: .25rem 0; font-size: .95rem; }
        fieldset { border: 1px solid var(--line); margin: .25rem 0; }
        h1 small { font-size: 1rem; font-weight: 400; }
        code { overflow-wrap: anywhere; }
        .secret { border: 2px solid #14532d; background: #e7f1e8; color: #14532d; padding: .5rem 1rem; }
        .secret input { max-width: 100%; font-family: monospace; }
        """

    /// The tab's icon (a browser asks for one; without it every page logs a 404).
    static let icon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#0a2540"/>\
        <path d="M5 3v10h6" stroke="#fff" stroke-width="2" fill="none"/></svg>
        """

    /// The script: only conveniences (a confirmation before a lifecycle action); every form works
    /// without it.
    static let javascript = """
        document.addEventListener("click", function (event) {
          var button = event.target.closest("button[data-confirm]");
          if (button && !window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
        });
        """
}
