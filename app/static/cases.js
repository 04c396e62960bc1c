// The case pages carry a one-time notice in the address (/cases/<id>?done=<key>, set by the redirect after a
// form): drop the parameter so a reload or a bookmark does not show the notice again.
(function () {
  const url = new URL(window.location.href);
  if (url.searchParams.has("done")) {
    url.searchParams.delete("done");
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  }
})();
