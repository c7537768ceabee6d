extension ConsoleTemplates {
    /// Issued reports with their downloads, and the disposal report form.
    static let reports = """
        <h1>Reports</h1>
        {{#canGenerate}}
        <form method="post" action="/console/reports" class="card" id="report-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <h2 id="h-generate">Generate a disposal report</h2>
        <label for="p-from">From (first day, YYYY-MM-DD)</label><input id="p-from" name="from" type="date" required>
        <label for="p-to">To (last day, YYYY-MM-DD)</label><input id="p-to" name="to" type="date" required>
        <button type="submit">Generate, sign and log the report</button>
        </form>
        {{/canGenerate}}
        <h2 id="h-issued">Issued reports</h2>
        {{^hasReports}}<p>No report has been issued.</p>{{/hasReports}}
        {{#hasReports}}
        <div class="scroll">
        <table id="report-table">
        <thead><tr><th scope="col">Serial</th><th scope="col">Kind</th><th scope="col">Issued</th><th scope="col">Log size</th><th scope="col">Status</th><th scope="col">Download</th></tr></thead>
        <tbody>{{#reports}}<tr><td>{{serial}}</td><td>{{kind}}</td><td>{{issued}}</td><td>{{logSize}}</td><td>{{status}}</td>
        <td>{{#formats}}<a href="/console/reports/{{serialPath}}/{{.}}" download>{{.}}</a> {{/formats}}</td></tr>{{/reports}}</tbody>
        </table>
        </div>
        {{/hasReports}}
        """
}
