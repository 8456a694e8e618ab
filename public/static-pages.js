// Lets a page served without the app's code open offline: unless this browser already has
// Lotsa's service worker (the app's, which keeps everything), it registers one that keeps
// only what such pages need (see server/src/service_worker.js, PAGES_ONLY).
if ("serviceWorker" in navigator) {
  navigator.serviceWorker
    .getRegistration("/")
    .then((registration) => registration || navigator.serviceWorker.register("/sw.js?pages"))
    .catch(() => {});
}

// Signing out drops what waits on the phone to be sent (see the worker's outbox): the sign-out
// form asks first, in the page's language, when something waits.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.dataset.waitingWarning || form.dataset.asked || !("caches" in window)) return;
  event.preventDefault();
  let go = true;
  try {
    const waiting =
      (await caches.has("lotsa.outbox")) && (await (await caches.open("lotsa.outbox")).keys()).length > 0;
    go = !waiting || window.confirm(form.dataset.waitingWarning);
  } catch (unreadable) {
    // Nothing can be known of what waits: signing out goes ahead, as it would without this.
  }
  if (go) {
    form.dataset.asked = "yes";
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }
});
