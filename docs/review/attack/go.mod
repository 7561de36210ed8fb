module revattack

go 1.26.8

require (
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/gorilla/websocket v1.5.3
	github.com/pquerna/otp v1.5.0
	github.com/boombuler/barcode v1.0.1-0.20190219062509-6c824513bacc
)
