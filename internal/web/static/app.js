// Liên Thông: small progressive enhancements; every page works without JavaScript.
document.addEventListener("htmx:configRequest", function (e) {
  var t = document.querySelector('input[name="csrf"]');
  if (t) { e.detail.headers["X-CSRF-Token"] = t.value; }
});
