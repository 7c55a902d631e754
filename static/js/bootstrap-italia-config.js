// Read by Bootstrap Italia's bundle, which is loaded right after this file (templates/base.html).
// Its video player (video.js) would add a <style> element to every page, which the
// Content-Security-Policy refuses; the portal shows no video, and the player's own CSS is in
// bootstrap-italia.min.css anyway.
window.VIDEOJS_NO_DYNAMIC_STYLE = true;
