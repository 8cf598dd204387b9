// Entry of the worker app's page (Vite root: ui/worker/); the app lives in src/worker/.
import '@/worker/main'
