# Rasa 3.6 and the action server (Python 3.10), with the model trained by `make train`.
FROM python:3.10-slim
WORKDIR /app
COPY nlu/requirements.lock ./requirements.lock
RUN pip install --no-cache-dir -r requirements.lock
COPY nlu/ ./
COPY nlu/models/ /app/models/
ENV RASA_TELEMETRY_ENABLED=false PYTHONHASHSEED=0 HOME=/tmp
USER nobody
EXPOSE 5005 5055
