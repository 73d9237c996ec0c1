/**
 * The HTML shell of the dashboard. Static on purpose: no data is ever interpolated into markup
 * (the page fills itself with `textContent` from the JSON API), no inline script or style (the
 * Content-Security-Policy forbids both), assets referenced relatively so the dashboard can sit
 * behind a path prefix. The run list and the incidents are preloaded by the HTML parser, so they
 * are on their way while the script downloads and compiles (the page's first fetches reuse them:
 * same URL, mode and credentials, no custom header).
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Entrenar</title>
<link rel="preload" href="api/overview" as="fetch" crossorigin>
<link rel="preload" href="api/events" as="fetch" crossorigin>
<link rel="stylesheet" href="assets/app.css">
<script src="assets/app.js" defer></script>
</head>
<body>
<div id="app" aria-live="polite"></div>
<noscript>The Entrenar dashboard needs JavaScript.</noscript>
</body>
</html>
`

/**
 * Content-Security-Policy of every answer: only same-origin scripts, styles and connections; no
 * inline code, no plugins, no framing, no form posts; Trusted Types enforced with no policy, so a
 * string can never reach an HTML sink such as `innerHTML` (the page uses `textContent` only).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ')

/** Headers sent with every answer of the dashboard. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
}
