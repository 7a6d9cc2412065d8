// The REST API's OpenAPI document (served by the appliance at /openapi) in Swagger UI. "Try it out"
// calls the API from this page: give an API key with "Authorize" (Bearer) first.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  // eslint-disable-next-line no-undef -- defined by swagger-ui-bundle.js, loaded before this script
  SwaggerUIBundle({url: '/openapi', dom_id: '#swagger-ui', deepLinking: true});
});
