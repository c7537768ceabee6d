extension ConsoleTemplates {
    /// Users and API tokens (administrators): a new secret is shown once, above the tables.
    static let users = """
        <h1>Users and tokens</h1>
        {{#secret}}
        <div class="secret" role="status" id="new-secret">
        <p>The API token for <strong>{{owner}}</strong>, shown this once: copy it now. Lethe keeps only its hash.</p>
        <p><label for="new-token">Token</label> <input id="new-token" readonly value="{{value}}" size="60"></p>
        </div>
        {{/secret}}
        <h2 id="h-users">Users</h2>
        <div class="scroll">
        <table id="user-table">
        <thead><tr><th scope="col">User</th><th scope="col">Roles</th><th scope="col">Console password</th><th scope="col">State</th><th scope="col">Set password</th><th scope="col">Disable</th></tr></thead>
        <tbody>{{#users}}<tr><th scope="row">{{name}}</th><td>{{roles}}</td><td>{{hasPassword}}</td><td>{{#disabled}}disabled{{/disabled}}{{^disabled}}active{{/disabled}}</td>
        <td>{{^disabled}}<form method="post" action="/console/users/{{namePath}}/password" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="pw-{{namePath}}">New password for {{name}} (12 characters or more)</label>
        <input id="pw-{{namePath}}" name="password" type="password" autocomplete="new-password" minlength="12" required>
        <button type="submit">Set</button></form>{{/disabled}}</td>
        <td>{{^disabled}}<form method="post" action="/console/users/{{namePath}}/disable" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" data-confirm="Disable {{name}} and revoke their tokens?">Disable {{name}}</button></form>{{/disabled}}</td></tr>{{/users}}</tbody>
        </table>
        </div>
        <h2 id="h-add-user">Add a user</h2>
        <form method="post" action="/console/users" class="card" id="add-user-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="u-name">User name</label><input id="u-name" name="name" required autocomplete="off">
        <fieldset><legend>Roles</legend>
        {{#roles}}<input type="checkbox" id="u-role-{{.}}" name="role-{{.}}" value="on"> <label for="u-role-{{.}}">{{.}}</label><br>{{/roles}}
        </fieldset>
        <button type="submit">Add the user</button>
        </form>
        <h2 id="h-tokens">API tokens</h2>
        {{^hasTokens}}<p>No API token.</p>{{/hasTokens}}
        {{#hasTokens}}
        <div class="scroll">
        <table id="token-table">
        <thead><tr><th scope="col">Token</th><th scope="col">User</th><th scope="col">Access</th><th scope="col">Expires</th><th scope="col">Created</th><th scope="col">State</th><th scope="col">Revoke</th></tr></thead>
        <tbody>{{#tokens}}<tr><td>{{id}}</td><td>{{user}}</td><td>{{readOnly}}</td><td>{{expires}}</td><td>{{created}}</td><td>{{state}}</td>
        <td>{{#active}}<form method="post" action="/console/tokens/{{id}}/revoke" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" data-confirm="Revoke token {{id}}?">Revoke token {{id}}</button></form>{{/active}}</td></tr>{{/tokens}}</tbody>
        </table>
        </div>
        {{/hasTokens}}
        <h2 id="h-add-token">Add an API token</h2>
        <form method="post" action="/console/tokens" class="card" id="add-token-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="t-user">For user</label>
        <select id="t-user" name="user">{{#activeUsers}}<option>{{.}}</option>{{/activeUsers}}</select>
        <label for="t-expires">Lifetime (ISO 8601, for example P90D; empty: no expiry)</label><input id="t-expires" name="expires">
        <span><input type="checkbox" id="t-read-only" name="read_only" value="on"> <label for="t-read-only">Reads only</label></span>
        <button type="submit">Add the token</button>
        </form>
        """
}
