{{/* The image of a service: slipway-<service>, under image.registry when set. */}}
{{- define "slipway.image" -}}
{{- $name := printf "slipway-%s:%s" .service .root.Values.image.tag -}}
{{- if .root.Values.image.registry -}}
{{- printf "%s/%s" (trimSuffix "/" .root.Values.image.registry) $name -}}
{{- else -}}
{{- $name -}}
{{- end -}}
{{- end -}}

{{/* Labels of a service's objects and pods. */}}
{{- define "slipway.labels" -}}
app.kubernetes.io/name: slipway-{{ .service }}
app.kubernetes.io/part-of: slipway
app.kubernetes.io/component: {{ .service }}
{{- end -}}

{{/* The pod security context every Slipway pod runs with (restricted). */}}
{{- define "slipway.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
{{- if .fsGroup }}
fsGroup: 65532
{{- end }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "slipway.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}
