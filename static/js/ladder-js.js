// Marks the page as having JavaScript before it is drawn, so that the charts' places are kept.
// A file rather than an inline script: the Content-Security-Policy allows only the project's own.
document.documentElement.classList.add("js");
