// Small behaviours that need no framework (CSP forbids inline scripts).
// Forms with data-confirm ask before submitting (destructive acts).
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    e.preventDefault();
  }
});
// htmx requests carry the CSRF token from <meta name="csrf-token">.
document.addEventListener("htmx:configRequest", function (e) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    e.detail.headers["X-CSRF-Token"] = meta.getAttribute("content");
  }
});
