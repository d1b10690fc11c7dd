// The example the gallery lists first, and the one a visit without a link opens. The build reads it
// too (web/build/first-visit-head.ts), to fetch that example's prebuilt modules from the page's head.
export const FIRST_EXAMPLE = 'price-tax';
