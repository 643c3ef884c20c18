// The session token lives only in this module's memory: never in localStorage or a cookie, so
// no other script on the origin can read it later, and a reload simply signs the user out.
let token = null;

const $ = (id) => document.getElementById(id);
const api = new URLSearchParams(location.search).get("api");
if (api) $("api").value = api;
const apiBase = () => $("api").value.trim().replace(/\/+$/, "");

/** One API call; a problem+json answer becomes an Error carrying its title and code. */
async function call(path, { method = "GET", body } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
    response = await fetch(`${apiBase()}${path}`, init);
  } catch {
    // The browser hides why (on purpose): a refused CORS check looks like a network failure.
    throw new Error(
      `Could not reach ${apiBase()}: the API is down, or it does not allow this page's origin (${location.origin}) in CORS_ORIGINS.`,
    );
  }
  // The session has ended on the server: forget it here too.
  if (response.status === 401) token = null;
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw new Error(`${problem.title ?? response.statusText} (${problem.code ?? response.status})`);
  }
  return response;
}

async function showMe() {
  const response = await call("/auth/me");
  const { user } = await response.json();
  $("who").textContent = user.username;
  // Readable only because the API lists X-Request-Id in Access-Control-Expose-Headers.
  $("request-id").textContent = response.headers.get("X-Request-Id") ?? "(hidden)";
  $("session").hidden = false;
  $("status").textContent = "Signed in.";
}

async function startSession(path) {
  const body = { username: $("username").value, password: $("password").value };
  const response = await call(path, { method: "POST", body });
  token = (await response.json()).sessionId;
  $("password").value = "";
  await showMe();
}

async function logout() {
  try {
    await call("/auth/logout", { method: "POST" });
  } finally {
    token = null;
    $("who").textContent = "";
    $("session").hidden = true;
  }
  $("status").textContent = "Signed out.";
}

/** Runs a user action, showing its failure instead of losing it in the console. */
async function run(action) {
  $("error").textContent = "";
  $("status").textContent = "Working…";
  try {
    await action();
  } catch (error) {
    $("status").textContent = "";
    $("error").textContent = error.message;
  }
}

$("credentials").addEventListener("submit", (event) => {
  event.preventDefault();
  const path = event.submitter?.id === "login" ? "/auth/login" : "/auth/signup";
  run(() => startSession(path));
});
$("logout").addEventListener("click", () => run(logout));
