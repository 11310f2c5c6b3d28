# The bot as a container: the esbuild bundle and the production dependencies on Node 26 LTS (slim), run as
# the image's unprivileged `node` user. SQLite lives in the /data volume. Build: docker build -t imagine .
# Run:   docker run -d --env-file .env -v imagine-data:/data imagine   (or: docker compose up -d)

# 1. The bundle (dist/main.js, dist/register-cli.js), built with the dev dependencies (esbuild).
FROM node:26-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --no-update-notifier --loglevel=error
COPY src ./src
COPY commands ./commands
RUN npm run build

# 2. Production dependencies only (sharp brings its prebuilt libvips from npm; nothing is compiled).
FROM node:26-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --no-update-notifier --loglevel=error && npm cache clean --force

# 3. What runs: no compiler, no dev dependencies, no sources.
FROM node:26-bookworm-slim
ENV NODE_ENV=production \
    STORAGE_URL=sqlite:///data/bot.sqlite \
    HEALTH_PORT=8081 \
    HEALTH_HOST=0.0.0.0 \
    MALLOC_ARENA_MAX=1 \
    MALLOC_TRIM_THRESHOLD_=131072 \
    MALLOC_MMAP_THRESHOLD_=1048576
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# An .env written for `npm start` says sqlite://data/bot.sqlite: inside the image that path is the volume too.
RUN mkdir -p /data && chown node:node /data && ln -s /data /app/data
VOLUME ["/data"]
USER node
EXPOSE 8081
# docker stop sends SIGTERM: the bot parks its running jobs in the ledger and exits 0 within 10 s.
STOPSIGNAL SIGTERM
# Node itself probes /healthz (the slim image has no curl): healthy = gateway connected and store answering.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HEALTH_PORT || 8081) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1's only process: signals reach it directly, and it exits on its own.
CMD ["node", "--enable-source-maps", "--max-semi-space-size=2", "dist/main.js"]
