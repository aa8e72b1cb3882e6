{{/*
Expand the name of the chart.
*/}}
{{- define "evbase.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name.
Truncated at 52 characters, not 63, so that suffixes such as "-management" and "-headless"
still fit the 63-character limit of Service names.
*/}}
{{- define "evbase.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "evbase.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "evbase.labels" -}}
helm.sh/chart: {{ include "evbase.chart" . }}
{{ include "evbase.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: evbase
{{- end }}

{{/*
Selector labels shared by everything the release creates.
*/}}
{{- define "evbase.selectorLabels" -}}
app.kubernetes.io/name: {{ include "evbase.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Selector labels of the server pods. The component label keeps the `helm test` pod, which
carries the release's other labels, out of the Services' endpoints and the PDB.
*/}}
{{- define "evbase.serverSelectorLabels" -}}
{{ include "evbase.selectorLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{/*
The name of the service account to use.
*/}}
{{- define "evbase.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "evbase.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The image reference; the tag defaults to appVersion, which is the tag jib builds.
*/}}
{{- define "evbase.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/*
Enabled listeners as a dict name -> listener values, after checking what the schema cannot:
ports unique and distinct from the management port, names distinct from "management".
*/}}
{{- define "evbase.enabledListeners" -}}
{{- $out := dict }}
{{- $ports := dict }}
{{- $_ := set $ports (toString .Values.management.port) "management" }}
{{- range $name, $l := .Values.listeners }}
{{- /* A listener without an enabled key is on: users adding one should not need it. */}}
{{- if or (not (hasKey $l "enabled")) $l.enabled }}
{{- if eq $name "management" }}
{{- fail "listeners: the name \"management\" is taken by the management port" }}
{{- end }}
{{- $key := toString $l.port }}
{{- if hasKey $ports $key }}
{{- fail (printf "listeners.%s.port %s is already used by %s" $name $key (get $ports $key)) }}
{{- end }}
{{- $_ := set $ports $key $name }}
{{- $_ := set $out $name $l }}
{{- end }}
{{- end }}
{{- if not $out }}
{{- fail "listeners: at least one listener must be enabled" }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/*
Recursively turn camelCase keys into the kebab-case Spring Boot documents (chunkSize -> chunk-size).
*/}}
{{- define "evbase.kebabKeys" -}}
{{- $out := dict }}
{{- range $k, $v := . }}
{{- if kindIs "map" $v }}
{{- $_ := set $out (kebabcase $k) (include "evbase.kebabKeys" $v | fromYaml) }}
{{- else }}
{{- $_ := set $out (kebabcase $k) $v }}
{{- end }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/*
Seconds Spring's shutdown phase may take beyond the drain timeout before it gives up.
*/}}
{{- define "evbase.shutdownPhaseSlackSeconds" -}}
5
{{- end }}

{{/*
terminationGracePeriodSeconds: computed from preStop + drain when unset, validated when set.
The kubelet counts the preStop sleep against the grace period, so the pod must be allowed
preStop + drain + Spring's slack, or it is killed mid-drain.
*/}}
{{- define "evbase.terminationGracePeriodSeconds" -}}
{{- $s := .Values.shutdown }}
{{- $min := add (int $s.preStopSleepSeconds) (int $s.drainTimeoutSeconds) (include "evbase.shutdownPhaseSlackSeconds" . | int) }}
{{- if not $s.terminationGracePeriodSeconds }}
{{- add $min 10 }}
{{- else if le (int $s.terminationGracePeriodSeconds) $min }}
{{- fail (printf "shutdown.terminationGracePeriodSeconds (%d) must exceed preStopSleepSeconds + drainTimeoutSeconds + %s = %d" (int $s.terminationGracePeriodSeconds) (include "evbase.shutdownPhaseSlackSeconds" .) $min) }}
{{- else }}
{{- int $s.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}

{{/*
application.yml, generated from values. Property names are the server's (see the repository's
application.yml); config.extra is merged last and wins.
*/}}
{{- define "evbase.applicationYaml" -}}
{{- $c := .Values.config }}
{{- $listeners := dict }}
{{- range $name, $l := (include "evbase.enabledListeners" . | fromYaml) }}
{{- $_ := set $listeners $name (include "evbase.kebabKeys" (omit $l "enabled") | fromYaml) }}
{{- end }}
{{- $spring := dict
  "application" (dict "name" (include "evbase.name" .))
  "lifecycle" (dict "timeout-per-shutdown-phase" (printf "%ds" (add (int .Values.shutdown.drainTimeoutSeconds) (include "evbase.shutdownPhaseSlackSeconds" . | int)))) }}
{{- with .Values.tls }}
{{- if .enabled }}
{{- /* TLS: the Secret's files (mounted at /app/tls, see the Deployment) in one SSL bundle, reloaded on update. */}}
{{- $bundle := dict "reload-on-update" true "keystore" (dict "certificate" "file:/app/tls/tls.crt" "private-key" "file:/app/tls/tls.key") }}
{{- if ne .clientAuth "none" }}
{{- $_ := set $bundle "truststore" (dict "certificate" "file:/app/tls/ca.crt") }}
{{- end }}
{{- $_ := set $spring "ssl" (dict "bundle" (dict "pem" (dict "evbase-tls" $bundle) "watch" (dict "file" (dict "quiet-period" .reloadQuietPeriod)))) }}
{{- range .listeners }}
{{- if not (hasKey $listeners .) }}
{{- fail (printf "tls.listeners names %s, which is not an enabled listener" .) }}
{{- end }}
{{- $_ := set (get $listeners .) "ssl" (dict "bundle" "evbase-tls" "client-auth" $.Values.tls.clientAuth "handshake-timeout" $.Values.tls.handshakeTimeout) }}
{{- end }}
{{- end }}
{{- end }}
{{- $generated := dict
  "server" (dict "port" .Values.management.port)
  "management" (dict
    "server" (dict "port" .Values.management.port)
    "endpoints" (dict "web" (dict "exposure" (dict "include" (join "," .Values.management.exposure))))
    "endpoint" (dict "health" (dict "probes" (dict "enabled" true) "show-components" .Values.management.healthShowComponents "show-details" .Values.management.healthShowDetails)))
  "spring" $spring
  "evbase" (dict
    "workers" $c.workers
    "dispatch" $c.dispatch
    "stall-threshold" $c.stallThreshold
    "buffers" (include "evbase.kebabKeys" $c.buffers | fromYaml)
    "shutdown" (dict "drain-timeout" (printf "%ds" (int .Values.shutdown.drainTimeoutSeconds)))
    "listeners" $listeners
    "memcache" (include "evbase.kebabKeys" $c.memcache | fromYaml))
}}
{{- $extra := $c.extra | default dict }}
{{- /* Ports and listeners also shape the pod and the Services; set here, they would drift apart. */}}
{{- if or (hasKey (get $extra "evbase" | default dict) "listeners") (hasKey (get $extra "server" | default dict) "port") (hasKey (get (get $extra "management" | default dict) "server" | default dict) "port") }}
{{- fail "config.extra must not set evbase.listeners, server.port or management.server.port: use listeners and management.port" }}
{{- end }}
{{- toYaml (mustMergeOverwrite $generated (deepCopy $extra)) }}
{{- end }}

{{/*
JAVA_TOOL_OPTIONS: memory as a share of the container limit, not a fixed heap; the collector named, because
the JVM's own choice under a small limit is the stop-the-world Serial collector; exit on OutOfMemoryError
whatever extraOptions says, so that a pod that ran out of memory restarts instead of serving nothing; the
Integer cache up to 65536, so that java.nio's selector boxes no descriptor per ready socket (docs/library.md).
*/}}
{{- define "evbase.javaToolOptions" -}}
{{- $j := .Values.jvm }}
{{- $opts := list (printf "-XX:MaxRAMPercentage=%v" $j.maxRAMPercentage) (printf "-XX:InitialRAMPercentage=%v" $j.maxRAMPercentage) }}
{{- with $j.gc }}
{{- $opts = append $opts (printf "-XX:+Use%sGC" .) }}
{{- end }}
{{- $opts = append $opts "-XX:+ExitOnOutOfMemoryError" }}
{{- $opts = append $opts "-XX:AutoBoxCacheMax=65536" }}
{{- $opts = append $opts "-Djava.io.tmpdir=/tmp" }}
{{- with $j.maxDirectMemorySize }}
{{- $opts = append $opts (printf "-XX:MaxDirectMemorySize=%s" .) }}
{{- end }}
{{- if gt (int $j.activeProcessorCount) 0 }}
{{- $opts = append $opts (printf "-XX:ActiveProcessorCount=%d" (int $j.activeProcessorCount)) }}
{{- end }}
{{- with $j.extraOptions }}
{{- $opts = append $opts . }}
{{- end }}
{{- join " " $opts }}
{{- end }}
