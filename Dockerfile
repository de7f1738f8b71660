# Multi-stage build: compile with dev dependencies, run with production ones only.
# Node.js 24, the maintained LTS (docs/operations.md "Runtime"); 22 LTS is supported too.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY cards ./cards
COPY openapi ./openapi
RUN npm run build

FROM node:24-bookworm-slim
# Prometheus scrapes GET /metrics on its own port (docs/operations.md "Metrics").
ENV NODE_ENV=production PORT=3000 METRICS_PORT=9464
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The FLS pages (docs/pages.md): static files, served at /fls/ with Chart.js from node_modules.
COPY public ./public
# The embedded store (data/store.jsonl) writes here unless DATABASE_URL is set; mount a volume to keep it.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME /app/data
USER node
EXPOSE 3000 9464
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# V8 flags: src/node-flags.ts (the young generation Node 24 would size to the machine).
CMD ["node", "--max-semi-space-size=16", "dist/src/main.js"]
