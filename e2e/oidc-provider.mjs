// A real OpenID Connect provider (npm `oidc-provider`) on loopback, standing in for the
// federal identity provider in end-to-end tests of the Mandates web pages.
//
//   node oidc-provider.mjs
//
// Settings (environment, with defaults):
//   OIDC_PORT                 9090
//   OIDC_ISSUER               http://127.0.0.1:$OIDC_PORT
//   MANDATES_REDIRECT_URI     http://127.0.0.1:8091/auth/callback
//   MANDATES_POST_LOGOUT_URI  http://127.0.0.1:8091/
//   OIDC_CLIENT_AUTH_METHOD   client_secret_basic (or client_secret_post)
//   OIDC_API_RESOURCE         (none) the Mandates API as a resource server (RFC 8707)
//
// One confidential client: id `mandates-web`, secret `mandates-web-secret`, grant type
// authorization_code, response type code, PKCE (S256) required, scopes `openid`, `profile`
// and `national_number`. oidc-provider checks the client's single registered
// token_endpoint_auth_method, so pick basic or post with OIDC_CLIENT_AUTH_METHOD.
//
// Claims: the scope `national_number` releases the claim `national_number` (11 digits); the
// scope `profile` releases name, given_name, family_name and preferred_username. The
// `claims` request parameter is also accepted, e.g. {"id_token":{"national_number":null}}.
// Claims of the granted scopes go into the ID token as well as userinfo
// (conformIdTokenClaims: false).
// Every ID token carries acr `http://eidas.europa.eu/LoA/substantial` and amr ["pwd"].
// `sub` is the login name (for example `citizen-a`), not the national number.
//
// Accounts (password `test-password` for all):
//   citizen-a    85073003328  a citizen
//   citizen-b    90010112395  another citizen
//   company-rep  62092301281  legal representative of enterprise 0203.201.340
//
// Login page (GET /interaction/<uid>), a plain HTML form, no script:
//   form         form#login-form  (method post, action /interaction/<uid>/login)
//   login name   input#login      name="login"
//   password     input#password   name="password"
//   submit       button#submit    type="submit"
// A wrong login or password shows the form again with p#login-error (role="alert"), HTTP 200.
// There is no consent screen: the grant for `mandates-web` is approved automatically.
//
// The API (OIDC_API_RESOURCE set): a client that asks for `resource=<OIDC_API_RESOURCE>` and
// the scope `mandates` gets a JWT access token (RS256, typ at+jwt) whose `aud` is that resource
// and which carries `national_number`, `acr` and `amr`, as a national identity provider's
// tokens for a government API do. Without `resource`, access tokens stay opaque (userinfo).
//
// RP-initiated logout: end_session_endpoint is `<issuer>/session/end` (in discovery). Its
// confirmation page has button#logout-confirm (sign out) and button#logout-cancel.
//
// Ready line on stdout: `oidc-provider listening on http://127.0.0.1:PORT`.
// SIGTERM or SIGINT closes the server and exits 0. Storage is in memory; the signing key
// (RS256) is generated at start-up.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import Provider, { errors } from 'oidc-provider';

import {
  ACCOUNTS, ACR, CLIENT_ID, CLIENT_SECRET, PASSWORD,
} from './lib/accounts.mjs';

const PORT = Number(process.env.OIDC_PORT || 9090);
const ISSUER = process.env.OIDC_ISSUER || `http://127.0.0.1:${PORT}`;
const REDIRECT_URI = process.env.MANDATES_REDIRECT_URI || 'http://127.0.0.1:8091/auth/callback';
const POST_LOGOUT_URI = process.env.MANDATES_POST_LOGOUT_URI || 'http://127.0.0.1:8091/';
const AUTH_METHOD = process.env.OIDC_CLIENT_AUTH_METHOD || 'client_secret_basic';
const API_RESOURCE = process.env.OIDC_API_RESOURCE || '';
const API_SCOPE = 'mandates';

function accountClaims(login) {
  const a = ACCOUNTS[login];
  return {
    sub: login,
    national_number: a.national_number,
    name: `${a.given_name} ${a.family_name}`,
    given_name: a.given_name,
    family_name: a.family_name,
    preferred_username: login,
  };
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: `e2e-${randomBytes(4).toString('hex')}`,
  use: 'sig',
  alg: 'RS256',
};

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:sans-serif;margin:2rem;color:#1a1a1a;background:#fff}
main{max-width:28rem}
label{display:block;margin-top:1rem}
input{display:block;font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}
button{margin-top:1.2rem;font-size:1rem;padding:.5rem 1rem;margin-right:.5rem}
#login-error{color:#a00000;font-weight:bold}
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

function loginPage(uid, { login = '', error = '' } = {}) {
  const err = error ? `<p id="login-error" role="alert">${escapeHtml(error)}</p>\n` : '';
  return page('Sign in - test identity provider', `<h1>Sign in</h1>
<p>Test identity provider for Mandates. Accounts: citizen-a, citizen-b, company-rep.</p>
${err}<form id="login-form" method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="login">Login name</label>
<input id="login" name="login" type="text" autocomplete="username" required value="${escapeHtml(login)}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="submit" type="submit">Sign in</button>
</form>`);
}

const configuration = {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    client_name: 'Mandates',
    token_endpoint_auth_method: AUTH_METHOD,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [REDIRECT_URI],
    post_logout_redirect_uris: [POST_LOGOUT_URI],
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  scopes: ['openid', 'profile', 'national_number'],
  // acr, amr and auth_time ride on the `openid` scope, so every ID token has them.
  claims: {
    sid: null,
    iss: null,
    openid: ['sub', 'acr', 'amr', 'auth_time'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    national_number: ['national_number'],
  },
  acrValues: [ACR],
  responseTypes: ['code'],
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: Boolean(API_RESOURCE),
      // Only what the client asks for: sign-in without `resource` keeps an opaque token.
      defaultResource: (_ctx, _client, oneOf) => oneOf?.[0],
      useGrantedResource: () => true,
      getResourceServerInfo(_ctx, resource) {
        if (resource !== API_RESOURCE) throw new errors.InvalidTarget();
        return {
          scope: API_SCOPE,
          audience: API_RESOURCE,
          accessTokenTTL: 600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
    // A relying party may also ask for the claim with the `claims` request parameter.
    claimsParameter: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource(ctx, form) {
        // `form` is the hidden form#op.logoutForm holding the xsrf token.
        ctx.type = 'html';
        ctx.body = page('Sign out - test identity provider', `<h1>Sign out</h1>
<p>Do you want to sign out of the test identity provider?</p>
${form}
<button id="logout-confirm" type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
<button id="logout-cancel" type="submit" form="op.logoutForm">No, stay signed in</button>`);
      },
      postLogoutSuccessSource(ctx) {
        ctx.type = 'html';
        ctx.body = page('Signed out - test identity provider', '<h1>Signed out</h1>\n<p>You are signed out.</p>');
      },
    },
  },
  interactions: {
    url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  // First-party client: approve the requested scopes and claims without a consent screen.
  async loadExistingGrant(ctx) {
    const { client, session, result } = ctx.oidc;
    const grantId = result?.consent?.grantId || session.grantIdFor(client.clientId);
    let grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
    if (client.clientId !== CLIENT_ID) return grant;
    if (!grant || grant.accountId !== session.accountId) {
      grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    }
    const scopes = [...ctx.oidc.requestParamScopes].filter((s) => configuration.scopes.includes(s));
    grant.addOIDCScope(scopes.join(' '));
    const claims = ctx.oidc.requestParamClaims ? [...ctx.oidc.requestParamClaims] : [];
    if (claims.length) grant.addOIDCClaims(claims);
    if (API_RESOURCE) grant.addResourceScope(API_RESOURCE, API_SCOPE);
    await grant.save();
    return grant;
  },
  // What the API reads from a person's access token: the national number and how they signed in.
  async extraTokenClaims(_ctx, token) {
    if (token.kind !== 'AccessToken' || !ACCOUNTS[token.accountId]) return undefined;
    return { national_number: ACCOUNTS[token.accountId].national_number, acr: ACR, amr: ['pwd'] };
  },
  async findAccount(_ctx, sub) {
    if (!ACCOUNTS[sub]) return undefined;
    return {
      accountId: sub,
      async claims() {
        return accountClaims(sub);
      },
    };
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Error - test identity provider', `<h1>Error</h1>
<p id="oidc-error">${escapeHtml(out.error)}: ${escapeHtml(out.error_description || '')}</p>`);
  },
};

const provider = new Provider(ISSUER, configuration);
provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error:', err));

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendHtml(res, status, html) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(html);
}

// Our own interaction routes: /interaction/<uid> and POST /interaction/<uid>/login.
async function handleInteraction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  const { prompt } = details;

  if (prompt.name === 'consent') {
    // Should not happen (loadExistingGrant approves), but never show a consent screen.
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    if (prompt.details.missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes)) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }

  if (prompt.name !== 'login') throw new Error(`unsupported prompt ${prompt.name}`);

  if (req.method === 'GET' && !action) {
    sendHtml(res, 200, loginPage(uid, { login: details.params.login_hint || '' }));
    return;
  }
  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    const login = (form.get('login') || '').trim();
    const password = form.get('password') || '';
    if (!ACCOUNTS[login] || password !== PASSWORD) {
      sendHtml(res, 200, loginPage(uid, { login, error: 'Unknown login name or wrong password.' }));
      return;
    }
    await provider.interactionFinished(req, res, {
      login: { accountId: login, acr: ACR, amr: ['pwd'], remember: true },
    }, { mergeWithLastSubmission: false });
    return;
  }
  sendHtml(res, 405, page('Not allowed', '<h1>Method not allowed</h1>'));
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, ISSUER);
  const m = url.pathname.match(/^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login))?\/?$/);
  if (!m) {
    callback(req, res);
    return;
  }
  try {
    await handleInteraction(req, res, m[1], m[2]);
  } catch (err) {
    console.error('interaction error:', err);
    if (!res.headersSent) {
      sendHtml(res, 400, page('Error - test identity provider', `<h1>Error</h1>
<p id="oidc-error">${escapeHtml(err.message)}</p>`));
    } else {
      res.end();
    }
  }
});

server.listen(PORT, '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`oidc-provider listening on http://127.0.0.1:${port}`);
});

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
