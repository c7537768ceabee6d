extension ConsoleTemplates {
    /// One job: its facts, evidence, verification report, certificates and the forms open now.
    static let job = """
        <h1>Job {{id}} <small>for <a href="/console/assets/{{tagPath}}">{{tag}}</a></small></h1>
        {{#overdue}}<p class="error">This job is past its due date.</p>{{/overdue}}
        <dl class="fields" id="job-fields">
        {{#fields}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/fields}}
        </dl>
        <h2 id="h-steps">What you can do now</h2>
        {{#noSteps}}<p>Nothing is open to you for this job now.</p>{{/noSteps}}
        {{#refusals}}<p class="refusal" role="note">{{.}}</p>{{/refusals}}
        {{#canRecord}}
        <form method="post" action="/console/jobs/{{id}}/record" enctype="multipart/form-data" class="card" id="record-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <h3>Record the work done</h3>
        <label for="w-technique">Technique used</label>
        <select id="w-technique" name="technique">{{#techniques}}<option>{{.}}</option>{{/techniques}}</select>
        <label for="w-tool">Tool or vendor</label><input id="w-tool" name="tool" required>
        <label for="w-version">Tool version (or the vendor's certificate form)</label><input id="w-version" name="tool_version" required>
        <label for="w-notes">Notes</label><input id="w-notes" name="notes">
        {{#canAttachEvidence}}
        <label for="w-evidence">Evidence file (a tool's log, a certificate of destruction; optional)</label>
        <input id="w-evidence" name="evidence" type="file">
        {{/canAttachEvidence}}
        <button type="submit">Record the work</button>
        </form>
        {{/canRecord}}
        {{#canImportNwipe}}
        <form method="post" action="/console/jobs/{{id}}/nwipe" enctype="multipart/form-data" class="card" id="nwipe-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <h3>Or upload the drive's nwipe (ShredOS) log</h3>
        <label for="n-log">nwipe log (its serial and size must be this asset's)</label>
        <input id="n-log" name="log" type="file" required>
        <button type="submit">Record the overwrite from the log</button>
        </form>
        {{/canImportNwipe}}
        {{#canAttest}}
        <form method="post" action="/console/jobs/{{id}}/attest" enctype="multipart/form-data" class="card" id="attest-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <h3>Attest the result</h3>
        <label for="a-evidence">What you inspected (a certificate, a photo)</label>
        <input id="a-evidence" name="evidence" type="file" required>
        <label for="a-notes">What you inspected and found</label><input id="a-notes" name="notes">
        <fieldset><legend>The result</legend>
        <input type="radio" id="a-passed" name="passed" value="yes" checked> <label for="a-passed">Good: the media is sanitized</label><br>
        <input type="radio" id="a-failed" name="passed" value="no"> <label for="a-failed">Bad: the job fails and is planned again</label>
        </fieldset>
        <button type="submit">Attest</button>
        </form>
        {{/canAttest}}
        {{#canIssue}}
        <form method="post" action="/console/jobs/{{id}}/issue" class="card" id="issue-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <h3>Issue the signed certificate</h3>
        <p>The job is verified: sign its record of sanitization and enter it in the log.</p>
        <button type="submit">Issue the certificate</button>
        </form>
        {{/canIssue}}
        {{#canCancel}}
        <form method="post" action="/console/jobs/{{id}}/cancel" class="card" id="cancel-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <h3>Cancel the job</h3>
        <label for="c-reason">Reason</label><input id="c-reason" name="reason" required>
        <button type="submit" data-confirm="Cancel job {{id}}?">Cancel the job</button>
        </form>
        {{/canCancel}}
        <h2>Evidence</h2>
        {{^hasEvidence}}<p>No evidence recorded yet.</p>{{/hasEvidence}}
        {{#hasEvidence}}
        <div class="scroll">
        <table id="job-evidence">
        <thead><tr><th scope="col">Purpose</th><th scope="col">File</th><th scope="col">SHA-256</th><th scope="col">Bytes</th><th scope="col">Recorded</th></tr></thead>
        <tbody>{{#evidence}}<tr><td>{{purpose}}</td><td>{{name}}</td><td><code>{{sha256}}</code></td><td>{{size}}</td><td>{{at}}</td></tr>{{/evidence}}</tbody>
        </table>
        </div>
        {{/hasEvidence}}
        <h2>Verification report</h2>
        {{^reports}}<p>Not verified yet.</p>{{/reports}}
        {{#hasReports}}
        <div class="scroll">
        <table id="job-verification">
        <thead><tr><th scope="col">When</th><th scope="col">By</th><th scope="col">Verifier</th><th scope="col">Method</th><th scope="col">Outcome</th><th scope="col">Summary</th></tr></thead>
        <tbody>{{#reports}}<tr><td>{{at}}</td><td>{{actor}}</td><td>{{verifier}}</td><td>{{method}}</td><td>{{outcome}}</td><td>{{summary}}</td></tr>{{/reports}}</tbody>
        </table>
        </div>
        {{/hasReports}}
        {{#hasRecords}}
        <h2>Certificates</h2>
        <ul id="job-records">{{#records}}<li><a href="/console/certificates/{{serialPath}}/record.html">{{serial}}</a> ({{status}}) · <a href="/console/certificates/{{serialPath}}/bundle">Bundle (tar.gz)</a></li>{{/records}}</ul>
        {{/hasRecords}}
        """
}
