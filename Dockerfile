# Hyperviseur territorial: one image for the web (gunicorn) and the worker.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --create-home hypervision && mkdir -p instance && chown -R hypervision /app
USER hypervision
EXPOSE 8050
CMD ["gunicorn", "--bind", "0.0.0.0:8050", "--workers", "3", "--timeout", "60", "wsgi:server"]
