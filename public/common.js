// Shared by the FLS pages (docs/pages.md): the bearer token and the authenticated fetch.
// The token is kept in sessionStorage (this tab only, gone when it closes) and sent in the
// Authorization header; it is never put in a URL, so it never reaches a log or a Referer.
const TOKEN_KEY = 'fls-token';

export function storedToken() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** Wire the token form: the field shows whether a token is held, never the token itself. */
export function setUpTokenForm(form, onChange) {
  const field = form.querySelector('input[name="token"]');
  const state = form.querySelector('[data-token-state]');
  const show = () => {
    state.textContent = storedToken() ? 'a token is set for this tab' : 'no token set';
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = field.value.trim();
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
    field.value = '';
    show();
    onChange?.();
  });
  form.querySelector('[data-token-clear]')?.addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    field.value = '';
    show();
  });
  show();
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** GET a JSON route of the service with the tab's token (if any). */
export async function getJson(path) {
  const headers = { Accept: 'application/json' };
  const token = storedToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, { headers, cache: 'no-store', credentials: 'omit' });
  if (response.status === 401) {
    throw new ApiError(401, 'The service wants a valid bearer token (401): enter one above.');
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(response.status, `The service answered HTTP ${response.status}.`);
  }
  if (!response.ok) {
    const text = body?.issue?.[0]?.diagnostics ?? `HTTP ${response.status}`;
    throw new ApiError(response.status, `The service answered ${response.status}: ${text}`);
  }
  return body;
}

/** An element with text content (never innerHTML: the data is not trusted markup). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function percent(value) {
  return value === undefined || value === null ? '–' : `${Math.round(value * 1000) / 10} %`;
}

/** The day of an ISO date or dateTime (YYYY-MM-DD), as recorded. */
export function day(value) {
  return typeof value === 'string' ? value.slice(0, 10) : '';
}
