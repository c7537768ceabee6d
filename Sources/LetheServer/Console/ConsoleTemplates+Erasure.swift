extension ConsoleTemplates {
    /// The data map: stores with their holdings counts, backups with their destruction dates.
    static let data = """
        <h1>Data map</h1>
        <h2 id="h-stores">Stores</h2>
        {{^hasStores}}<p>No store is declared yet: a compliance officer applies the data map with <code>lethe store apply</code>.</p>{{/hasStores}}
        {{#hasStores}}
        <div class="scroll">
        <table id="store-table">
        <thead><tr><th scope="col">Store</th><th scope="col">Kind</th><th scope="col">Subjects held</th><th scope="col">Declared</th></tr></thead>
        <tbody>{{#stores}}<tr><th scope="row">{{name}}</th><td>{{kind}}</td><td>{{holdings}}</td><td>{{applied}}</td></tr>{{/stores}}</tbody>
        </table>
        </div>
        {{/hasStores}}
        <h2 id="h-backups">Backups</h2>
        {{^hasBackups}}<p>No backup is registered.</p>{{/hasBackups}}
        {{#hasBackups}}
        <div class="scroll">
        <table id="backup-table">
        <thead><tr><th scope="col">Backup</th><th scope="col">Store</th><th scope="col">Kind</th><th scope="col">File or location</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Retention</th><th scope="col">State</th><th scope="col">Destruction due</th><th scope="col">Subjects</th></tr></thead>
        <tbody>{{#backups}}<tr><td>{{id}}</td><td>{{store}}</td><td>{{kind}}{{#undeclared}} (no longer declared){{/undeclared}}</td><td>{{file}}</td><td>{{created}}</td><td>{{expires}}</td><td>{{retention}}</td><td>{{state}}{{#overdue}} <strong class="error">overdue</strong>{{/overdue}}</td><td>{{due}}</td><td>{{subjects}}</td></tr>{{/backups}}</tbody>
        </table>
        </div>
        {{/hasBackups}}
        """

    /// Erasure requests and the form that files one (the identifier in a password-type field).
    static let erasures = """
        <h1>Erasure requests</h1>
        {{#error}}<p class="error" role="alert">{{.}}</p>{{/error}}
        {{^hasRequests}}<p>No erasure request has been filed.</p>{{/hasRequests}}
        {{#hasRequests}}
        <div class="scroll">
        <table id="erasure-table">
        <thead><tr><th scope="col">Request</th><th scope="col">Reason</th><th scope="col">State</th><th scope="col">Due</th><th scope="col">Time left</th><th scope="col">Filed by</th></tr></thead>
        <tbody>{{#requests}}<tr><td><a href="/console/erasure/{{id}}">Request {{id}}</a></td><td>{{reason}}</td><td>{{state}}</td><td>{{due}}</td><td>{{#overdue}}<strong class="error">{{daysLeft}}</strong>{{/overdue}}{{^overdue}}{{daysLeft}}{{/overdue}}</td><td>{{requestedBy}}</td></tr>{{/requests}}</tbody>
        </table>
        </div>
        {{/hasRequests}}
        {{#canRequest}}
        <h2 id="h-file">File an erasure request</h2>
        <form method="post" action="/console/erasure" class="card" id="erasure-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="e-identifier">The subject's identifier (an e-mail address, a customer number), as the stores hold it</label>
        <input id="e-identifier" name="identifier" type="password" autocomplete="off" required aria-describedby="e-identifier-help">
        <p id="e-identifier-help">Typed once: Lethe keeps only a keyed hash of it, and never shows it again.</p>
        <label for="e-reason">Reason</label>
        <select id="e-reason" name="reason">{{#reasons}}<option>{{.}}</option>{{/reasons}}</select>
        <button type="submit">File the request</button>
        </form>
        {{/canRequest}}
        """

    /// One erasure request: its parts, the attest form for a processor's part, and the run form.
    static let erasure = """
        <h1>Erasure request {{id}}</h1>
        <dl class="fields" id="erasure-fields">
        <dt>State</dt><dd>{{state}}</dd><dt>Reason</dt><dd>{{reason}}</dd><dt>Due</dt><dd>{{due}}</dd>
        <dt>Filed by</dt><dd>{{requestedBy}}</dd><dt>Filed</dt><dd>{{created}}</dd>
        {{#completed}}<dt>Completed</dt><dd>{{.}}</dd>{{/completed}}
        </dl>
        <h2 id="h-parts">Parts</h2>
        {{^hasParts}}<p>No store holds this subject: nothing to erase.</p>{{/hasParts}}
        {{#hasParts}}
        <div class="scroll">
        <table id="part-table">
        <thead><tr><th scope="col">Part</th><th scope="col">Store</th><th scope="col">Action</th><th scope="col">State</th><th scope="col">Backup</th><th scope="col">Asset</th><th scope="col">Final date</th><th scope="col">Attest</th></tr></thead>
        <tbody>{{#parts}}<tr><td>{{part}}</td><td>{{store}}</td><td>{{action}}</td><td>{{state}}{{#error}}: {{.}}{{/error}}</td><td>{{backup}}</td><td>{{asset}}</td><td>{{final}}{{#agesOut}} ({{.}}){{/agesOut}}</td>
        <td>{{#canAttest}}<form method="post" action="/console/erasure/{{requestID}}/attest" enctype="multipart/form-data" class="card attest-part">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="store" value="{{store}}">{{#attestBackup}}<input type="hidden" name="backup" value="{{.}}">{{/attestBackup}}
        <label for="pa-notes-{{part}}">What {{store}} confirmed</label><input id="pa-notes-{{part}}" name="notes" required>
        <label for="pa-evidence-{{part}}">Their confirmation (optional file)</label><input id="pa-evidence-{{part}}" name="evidence" type="file">
        <button type="submit">Attest {{store}}'s part</button>
        </form>{{/canAttest}}</td></tr>{{/parts}}</tbody>
        </table>
        </div>
        {{/hasParts}}
        {{#canRun}}
        <h2 id="h-run">Run the database parts</h2>
        <form method="post" action="/console/erasure/{{id}}/run" class="card" id="run-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="r-identifier">The subject's identifier again (it must match the request; it is not kept)</label>
        <input id="r-identifier" name="identifier" type="password" autocomplete="off" required>
        <button type="submit" data-confirm="Erase this subject's rows from the databases now?">Run the database parts</button>
        </form>
        {{/canRun}}
        <p><a href="/console/erasure">All erasure requests</a></p>
        """
}
