/* withUs browser helpers: calls to the REST API with the session cookie.
 *
 * The login cookie (withus_session) is HttpOnly: no script, this one included,
 * can read it. Requests that change something send the readable withus_csrf
 * cookie back in the X-CSRF-Token header (double submit), which a page on
 * another site cannot do. Results handed back to Reflex event handlers never
 * carry a password or a token: only the status and the problem details.
 */
/* The reader's locale, before React renders: the withus_locale cookie, else the first of the
 * browser's languages that withUs speaks (what Accept-Language says), else Korean. Pages read
 * globalThis.withusLocale until their state arrives (withus/i18n/ui.py); <html lang> follows.
 * The browser's time zone goes in withus_tz: times name their zone when it is not Korea's. */
(() => {
  const YEAR = 365 * 86400;
  const found = document.cookie.match(/(?:^|;\s*)withus_locale=(ko|en)(?:;|$)/);
  let locale = found ? found[1] : "";
  if (!locale) {
    const langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
    locale = langs.map((l) => String(l).toLowerCase().split("-")[0]).find((l) => l === "ko" || l === "en") || "ko";
    document.cookie = `withus_locale=${locale}; path=/; max-age=${YEAR}; samesite=lax`;
  }
  globalThis.withusLocale = locale;
  document.documentElement.lang = locale;
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    document.cookie = `withus_tz=${encodeURIComponent(zone)}; path=/; max-age=${YEAR}; samesite=lax`;
  } catch (e) {
    /* no Intl: times are shown in Korean time without a zone name */
  }
})();

window.withus = (() => {
  const NETWORK_ERROR =
    globalThis.withusLocale === "en"
      ? "Cannot reach the server. Please try again in a moment."
      : "서버에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.";
  const LOCAL_HOSTS = ["localhost", "127.0.0.1", "0.0.0.0"];

  /** "" (this origin) in production; the backend's origin in dev mode (see withus/withus.py). */
  function apiOrigin() {
    const meta = document.querySelector('meta[name="withus-api"]');
    const value = meta ? meta.getAttribute("content") : "";
    if (!value) return "";
    try {
      const url = new URL(value);
      // As Reflex does for its socket: a local backend is reached on the page's own host name,
      // so the cookie (per host, not per port) is shared by the page, the API and the socket.
      if (LOCAL_HOSTS.includes(url.hostname)) url.hostname = window.location.hostname;
      return url.origin;
    } catch (e) {
      return "";
    }
  }

  function cookie(name) {
    const prefix = name + "=";
    for (const part of document.cookie.split(";")) {
      const p = part.trim();
      if (p.startsWith(prefix)) return decodeURIComponent(p.slice(prefix.length));
    }
    return "";
  }

  /** Only a path on this site: "/x", never "//evil.example" or "/\\evil". */
  function safeNext(next) {
    if (typeof next !== "string" || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) {
      return "/";
    }
    return next;
  }

  function formValues(formId) {
    const form = document.getElementById(formId);
    return form ? Object.fromEntries(new FormData(form).entries()) : {};
  }

  /** fetch with the cookies and the CSRF header; answers {ok, status, code, detail, errors, retry_after}. */
  async function api(method, path, body) {
    const headers = { Accept: "application/json", "Accept-Language": globalThis.withusLocale || "ko" };
    const csrf = cookie("withus_csrf");
    if (csrf) headers["X-CSRF-Token"] = csrf;
    const init = { method, headers, credentials: "include" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(apiOrigin() + path, init);
    } catch (e) {
      return { ok: false, status: 0, code: "network", detail: NETWORK_ERROR, errors: [], retry_after: 0 };
    }
    let data = null;
    if (response.status !== 204) {
      try {
        data = await response.json();
      } catch (e) {
        data = null;
      }
    }
    if (response.ok) return { ok: true, status: response.status, data };
    return {
      ok: false,
      status: response.status,
      code: (data && data.code) || "",
      detail: (data && data.detail) || NETWORK_ERROR,
      errors: (data && Array.isArray(data.errors) ? data.errors : []).map((e) => ({
        field: String(e.field || ""),
        message: String(e.message || ""),
      })),
      retry_after: Number(response.headers.get("Retry-After")) || 0,
    };
  }

  /** What may go back to the Reflex state: never the response body of a login. */
  function outcome(result) {
    if (result.ok) return { ok: true, status: result.status, code: "", detail: "", errors: [], retry_after: 0 };
    return result;
  }

  /** Fields left empty, checked here so that nothing is sent; the state words the message. */
  function missing(values, names) {
    const empty = names.filter((n) => !String(values[n] || "").trim());
    return empty.length ? { ok: false, status: 0, code: "missing_fields", detail: "", errors: [], retry_after: 0, fields: empty } : null;
  }

  async function login(formId, next) {
    const v = formValues(formId);
    const absent = missing(v, ["login", "password"]);
    if (absent) return absent;
    const result = await api("POST", "/api/auth/login?cookie=true", {
      login: String(v.login || "").trim(),
      password: String(v.password || ""),
    });
    // A full page load: the event socket's handshake must carry the new cookie.
    if (result.ok) window.location.assign(safeNext(next));
    return outcome(result);
  }

  async function logout(next) {
    const result = await api("POST", "/api/auth/logout");
    window.location.assign(safeNext(next || "/"));
    return outcome(result);
  }

  async function requestCode(formId) {
    const v = formValues(formId);
    const result = await api("POST", "/api/auth/email-codes", { email: String(v.email || "").trim() });
    return outcome(result);
  }

  async function signup(formId) {
    const v = formValues(formId);
    const body = {
      email: String(v.email || "").trim(),
      code: String(v.code || "").trim(),
      username: String(v.username || "").trim(),
      nickname: String(v.nickname || "").trim(),
      password: String(v.password || ""),
    };
    const result = await api("POST", "/api/auth/signup", body);
    if (!result.ok) return outcome(result);
    const login = await api("POST", "/api/auth/login?cookie=true", { login: body.username, password: body.password });
    window.location.assign(login.ok ? "/" : "/login");
    return outcome(login);
  }

  async function changePassword(formId) {
    const v = formValues(formId);
    const absent = missing(v, ["current_password"]);
    if (absent) return absent;
    const result = await api("POST", "/api/users/me/password", {
      current_password: String(v.current_password || ""),
      new_password: String(v.new_password || ""),
    });
    if (result.ok) {
      // The other sessions ended with the change; this one ends here.
      await api("POST", "/api/auth/logout");
      window.location.assign("/login?reason=password_changed");
    }
    return outcome(result);
  }

  async function deleteAccount(formId) {
    const v = formValues(formId);
    const absent = missing(v, ["password"]);
    if (absent) return absent;
    const result = await api("DELETE", "/api/users/me", { password: String(v.password || "") });
    if (result.ok) {
      await api("POST", "/api/auth/logout");
      window.location.assign("/login?reason=account_deleted");
    }
    return outcome(result);
  }

  async function forgotPassword(formId) {
    const v = formValues(formId);
    const absent = missing(v, ["email"]);
    if (absent) return absent;
    return outcome(await api("POST", "/api/auth/password-resets", { email: String(v.email || "").trim() }));
  }

  async function resetPassword(formId) {
    const v = formValues(formId);
    if (String(v.new_password || "") !== String(v.confirm || "")) {
      return { ok: false, status: 0, code: "mismatch", detail: "", errors: [], retry_after: 0 };
    }
    const token = new URLSearchParams(window.location.search).get("token") || "";
    const result = await api("POST", "/api/auth/password-resets/confirm", {
      token,
      new_password: String(v.new_password || ""),
    });
    if (result.ok) window.location.assign("/login?reason=password_reset");
    return outcome(result);
  }

  /** Settings, the email panel: the password and the new address go to the API, never to the state. */
  async function requestEmailChange(formId) {
    const v = formValues(formId);
    const absent = missing(v, ["new_email", "password"]);
    if (absent) return absent;
    const email = String(v.new_email || "").trim();
    const result = await api("POST", "/api/users/me/email", { new_email: email, password: String(v.password || "") });
    if (result.ok) {
      const form = document.getElementById(formId);
      if (form) form.reset();
      return { ...outcome(result), email };
    }
    return outcome(result);
  }

  async function confirmEmailChange(formId) {
    const v = formValues(formId);
    const absent = missing(v, ["code"]);
    if (absent) return absent;
    return outcome(await api("POST", "/api/users/me/email/confirm", { code: String(v.code || "").trim() }));
  }

  /** The value of a field, for comparisons made in the browser (a password never leaves it). */
  function fieldValue(id) {
    const el = document.getElementById(id);
    return el ? el.value : "";
  }

  /** The header's language switch: the cookie (the state saved the profile), then a full reload. */
  function setLocale(locale) {
    const chosen = locale === "en" ? "en" : "ko";
    document.cookie = `withus_locale=${chosen}; path=/; max-age=${365 * 86400}; samesite=lax`;
    document.documentElement.lang = chosen;
    window.location.reload();
  }

  return {
    api, cookie, safeNext, setLocale, login, logout, requestCode, signup, changePassword, deleteAccount,
    forgotPassword, resetPassword, requestEmailChange, confirmEmailChange, fieldValue,
  };
})();
