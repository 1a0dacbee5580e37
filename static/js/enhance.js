/* Marks the page as scripted before it is drawn, so that the charts take their place at once. */
document.documentElement.classList.add("js");
