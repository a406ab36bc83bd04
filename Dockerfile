FROM node:24-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# postinstall applies patches/ (patch-package) to the installed dependencies.
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY . .
# Production workers run this prebuilt workflow bundle; they refuse to start without it (worker.ts).
RUN npm run build:workflows
ENV NODE_ENV=production
CMD ["npx", "tsx", "api/server.ts"]
