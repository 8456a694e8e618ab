// Lets a page served without the app's code open offline: unless this browser already has
// Lotsa's service worker (the app's, which keeps everything), it registers one that keeps
// only what such pages need (see server/src/service_worker.js, PAGES_ONLY).
if ("serviceWorker" in navigator) {
  navigator.serviceWorker
    .getRegistration("/")
    .then((registration) => registration || navigator.serviceWorker.register("/sw.js?pages"))
    .catch(() => {});
}
