/* Starts Swagger UI on the app's own OpenAPI document; every file comes from this app. */
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
