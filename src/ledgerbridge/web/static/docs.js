// The admin API's docs: Swagger UI from this server's own copy, reading the (login-protected) schema.
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
