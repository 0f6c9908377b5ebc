// Applies the stored colour theme before the page paints (loaded without
// defer in <head>; the CSP forbids inline script). No stored choice: the
// system's setting.
"use strict";
try {
  const t = localStorage.getItem("dv_theme");
  if (t === "dark" || t === "light") document.documentElement.dataset.theme = t;
} catch (e) { /* storage blocked: follow the system */ }
