//! Rendering a Helm chart with adminlint's template engine, against parsing the rendered YAML
//! with the YAML layer: how much a chart costs beyond the manifests it produces.
//!
//! The chart is made up here (a web app with a pre-upgrade migration Job, helpers in the style
//! of `helm create`), rendered once per benchmark iteration for every template.
//!
//! ```text
//! cargo bench --bench helm
//! ```

use adminlint::helm::template::{Limits, TemplateSet, Value};
use adminlint::span::FileId;
use adminlint::yaml;
use divan::Bencher;
use divan::counter::BytesCount;

fn main() {
    divan::main();
}

const HELPERS: &str = r#"{{/* Expand the name of the chart. */}}
{{- define "shop.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "shop.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "shop.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "shop.labels" -}}
helm.sh/chart: {{ include "shop.chart" . }}
{{ include "shop.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "shop.selectorLabels" -}}
app.kubernetes.io/name: {{ include "shop.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "shop.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "shop.env" -}}
- name: DATABASE_HOST
  value: {{ .Values.database.host | quote }}
- name: DATABASE_PORT
  value: {{ .Values.database.port | quote }}
{{- range $name, $value := .Values.extraEnv }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
- name: DATABASE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "shop.fullname" . }}-db
      key: password
{{- end }}
"#;

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "shop.fullname" . }}
  labels:
    {{- include "shop.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "shop.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      annotations:
        checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
        {{- with .Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      labels:
        {{- include "shop.selectorLabels" . | nindent 8 }}
    spec:
      {{- with .Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ include "shop.image" . }}"
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          command: ["bundle", "exec", "puma", "-C", "config/puma.rb"]
          env:
            {{- include "shop.env" . | nindent 12 }}
          envFrom:
            - configMapRef:
                name: {{ include "shop.fullname" . }}
          ports:
            - name: http
              containerPort: {{ .Values.service.port }}
              protocol: TCP
          livenessProbe:
            {{- toYaml .Values.livenessProbe | nindent 12 }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
"#;

const MIGRATION: &str = r#"{{- if .Values.migration.enabled }}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "shop.fullname" . }}-migrate
  labels:
    {{- include "shop.labels" . | nindent 4 }}
  annotations:
    "helm.sh/hook": pre-install,pre-upgrade
    "helm.sh/hook-weight": "-5"
    "helm.sh/hook-delete-policy": before-hook-creation,hook-succeeded
spec:
  backoffLimit: {{ .Values.migration.backoffLimit | default 3 }}
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: "{{ .Values.migration.image.repository | default .Values.image.repository }}:{{ .Values.migration.image.tag | default .Values.image.tag | default .Chart.AppVersion }}"
          command: ["bundle", "exec", "rails", "db:migrate"]
          env:
            {{- include "shop.env" . | nindent 12 }}
{{- end }}
"#;

const SERVICE: &str = r#"apiVersion: v1
kind: Service
metadata:
  name: {{ include "shop.fullname" . }}
  labels:
    {{- include "shop.labels" . | nindent 4 }}
spec:
  type: {{ .Values.service.type }}
  ports:
    - port: {{ .Values.service.port }}
      targetPort: http
      protocol: TCP
      name: http
  selector:
    {{- include "shop.selectorLabels" . | nindent 4 }}
"#;

const CONFIGMAP: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "shop.fullname" . }}
  labels:
    {{- include "shop.labels" . | nindent 4 }}
data:
  {{- range $key, $value := .Values.config }}
  {{ $key | upper }}: {{ tpl (toString $value) $ | quote }}
  {{- end }}
"#;

const INGRESS: &str = r#"{{- if .Values.ingress.enabled -}}
{{- $fullName := include "shop.fullname" . -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ $fullName }}
  labels:
    {{- include "shop.labels" . | nindent 4 }}
spec:
  rules:
    {{- range .Values.ingress.hosts }}
    - host: {{ .host | quote }}
      http:
        paths:
          {{- range .paths }}
          - path: {{ .path }}
            pathType: {{ .pathType }}
            backend:
              service:
                name: {{ $fullName }}
                port:
                  number: {{ $.Values.service.port }}
          {{- end }}
    {{- end }}
{{- end }}
"#;

const VALUES: &str = r#"replicaCount: 3
image:
  repository: registry.example.com/shop/web
  pullPolicy: IfNotPresent
  tag: "2.14.1"
imagePullSecrets:
  - name: registry
nameOverride: ""
fullnameOverride: ""
podAnnotations:
  prometheus.io/scrape: "true"
service:
  type: ClusterIP
  port: 8080
ingress:
  enabled: true
  hosts:
    - host: shop.example.com
      paths:
        - path: /
          pathType: Prefix
    - host: api.shop.example.com
      paths:
        - path: /v1
          pathType: Prefix
        - path: /v2
          pathType: Prefix
autoscaling:
  enabled: false
database:
  host: postgres.shop.svc
  port: 5432
extraEnv:
  RAILS_ENV: production
  RAILS_LOG_TO_STDOUT: "1"
  WEB_CONCURRENCY: "4"
migration:
  enabled: true
  image: {}
livenessProbe:
  httpGet:
    path: /healthz
    port: http
  initialDelaySeconds: 10
resources:
  limits:
    cpu: 500m
    memory: 512Mi
  requests:
    cpu: 100m
    memory: 256Mi
nodeSelector:
  kubernetes.io/os: linux
config:
  app_host: "{{ .Release.Name }}.example.com"
  cache_size: 512
  feature_flags: "checkout,search"
"#;

const TEMPLATES: &[(&str, &str)] = &[
    ("shop/templates/deployment.yaml", DEPLOYMENT),
    ("shop/templates/job-migrate.yaml", MIGRATION),
    ("shop/templates/service.yaml", SERVICE),
    ("shop/templates/configmap.yaml", CONFIGMAP),
    ("shop/templates/ingress.yaml", INGRESS),
];

fn chart() -> (TemplateSet, Value) {
    let mut set = TemplateSet::new(Limits::default());
    set.add("shop/templates/_helpers.tpl", FileId(0), HELPERS)
        .unwrap();
    for (i, (name, text)) in TEMPLATES.iter().enumerate() {
        set.add(name, FileId(i as u32 + 1), text).unwrap();
    }
    let parsed = yaml::parse(VALUES, &yaml::Limits::default());
    let values = Value::from_yaml(&parsed.tree, parsed.documents[0].root.unwrap(), FileId(99));
    let dot = Value::map_from([
        ("Values", values),
        (
            "Chart",
            Value::map_from([
                ("Name", Value::string("shop")),
                ("Version", Value::string("1.4.0")),
                ("AppVersion", Value::string("2.14.1")),
            ]),
        ),
        (
            "Release",
            Value::map_from([
                ("Name", Value::string("release-name")),
                ("Namespace", Value::string("default")),
                ("Service", Value::string("Helm")),
            ]),
        ),
        (
            "Template",
            Value::map_from([("BasePath", Value::string("shop/templates"))]),
        ),
    ]);
    (set, dot)
}

/// Every template rendered, concatenated as `helm template` prints them.
fn rendered() -> String {
    let (set, dot) = chart();
    TEMPLATES
        .iter()
        .map(|(name, _)| set.render(name, &dot).unwrap().text)
        .collect::<Vec<_>>()
        .join("\n---\n")
}

#[divan::bench]
fn render_chart(bencher: Bencher) {
    let (set, dot) = chart();
    let bytes = rendered().len();
    bencher.counter(BytesCount::new(bytes)).bench(|| {
        for (name, _) in TEMPLATES {
            divan::black_box(set.render(name, &dot).unwrap());
        }
    });
}

#[divan::bench]
fn parse_rendered_output(bencher: Bencher) {
    let text = rendered();
    bencher
        .counter(BytesCount::new(text.len()))
        .bench(|| divan::black_box(yaml::parse(&text, &yaml::Limits::default())));
}

#[divan::bench]
fn parse_templates(bencher: Bencher) {
    bencher.bench(|| divan::black_box(chart()));
}
