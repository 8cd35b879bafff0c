"""What the wallet protocols say when they refuse, in Vietnamese and English."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "wallet-invalid-request.title": ("Yêu cầu không hợp lệ", "Invalid request"),
    "wallet-invalid-request.detail": (
        "Yêu cầu thiếu hoặc sai một tham số.",
        "The request lacks a parameter or has a wrong one.",
    ),
    "wallet-invalid-request.tx-code": (
        "Ưu đãi này cần mã giao dịch (tx_code).",
        "This offer needs its transaction code (tx_code).",
    ),
    "wallet-invalid-request.redirect-uri": (
        "redirect_uri không phải địa chỉ đã đăng ký của ví.",
        "The redirect_uri is not one the wallet registered.",
    ),
    "wallet-invalid-request.response-type": (
        "Chỉ hỗ trợ response_type=code.",
        "Only response_type=code is supported.",
    ),
    "wallet-invalid-request.pkce": (
        "Cần PKCE với code_challenge_method=S256.",
        "PKCE with code_challenge_method=S256 is required.",
    ),
    "wallet-invalid-request.nested": (
        "Không được lồng request hay request_uri trong một yêu cầu đẩy.",
        "A pushed request may not carry request or request_uri.",
    ),
    "wallet-invalid-request.state": (
        "state dài quá 512 ký tự.",
        "The state is longer than 512 characters.",
    ),
    "wallet-invalid-request.authorization-details": (
        "authorization_details phải là danh sách openid_credential của cấu hình đã công bố.",
        "authorization_details must list openid_credential entries of published configurations.",
    ),
    "wallet-invalid-request.nothing-asked": (
        "Yêu cầu không xin giấy tờ nào mà nơi cấp này cấp.",
        "The request asks for no credential this issuer issues.",
    ),
    "wallet-invalid-request.request-uri": (
        "request_uri không tồn tại, đã hết hạn, đã dùng hoặc của ví khác.",
        "The request_uri is unknown, expired, used, or another wallet's.",
    ),
    "wallet-invalid-request.client-id": (
        "client_id phải là 1 đến 100 ký tự in được.",
        "The client_id must be 1 to 100 printable characters.",
    ),
    "wallet-invalid-request.pushed-only": (
        "Chỉ nhận client_id và request_uri: yêu cầu phải được đẩy trước (PAR).",
        "Only client_id and request_uri are read: the request must be pushed first (PAR).",
    ),
    "wallet-invalid-request.login-state": (
        "Không có lượt đăng nhập nào đang chờ với state này.",
        "No login is waiting with this state.",
    ),
    "wallet-invalid-request.json": (
        "Thân yêu cầu phải là một đối tượng JSON.",
        "The body must be a JSON object.",
    ),
    "wallet-invalid-request.presentation-state": (
        "Không có yêu cầu trình bày nào đang mở với state này.",
        "No open presentation request has this state.",
    ),
    "wallet-invalid-grant.title": ("Mã không hợp lệ", "Invalid grant"),
    "wallet-invalid-grant.detail": (
        "Mã không hợp lệ.",
        "The grant is not valid.",
    ),
    "wallet-invalid-grant.code": (
        "Mã không tồn tại, đã hết hạn hoặc đã được dùng.",
        "The code is unknown, expired or already used.",
    ),
    "wallet-invalid-grant.tx-code": (
        "Mã giao dịch (PIN) không đúng.",
        "The transaction code (PIN) is wrong.",
    ),
    "wallet-invalid-grant.nothing-to-add": (
        "Không có giấy tờ nào để thêm vào ví.",
        "There is no credential to add to the wallet.",
    ),
    "wallet-invalid-client.title": ("Ví không được nhận diện", "Unknown client"),
    "wallet-invalid-client.detail": (
        "client_id không phải một ví đã đăng ký.",
        "The client_id is not a registered wallet.",
    ),
    "wallet-unsupported-grant-type.title": (
        "Loại cấp quyền không được hỗ trợ",
        "Unsupported grant type",
    ),
    "wallet-unsupported-grant-type.detail": (
        "Chỉ hỗ trợ authorization_code và pre-authorized_code.",
        "Only authorization_code and the pre-authorized code grant are supported.",
    ),
    "wallet-invalid-token.title": ("Mã truy cập không hợp lệ", "Invalid access token"),
    "wallet-invalid-token.detail": (
        "Thiếu mã truy cập, hoặc mã không tồn tại hay đã hết hạn.",
        "The access token is missing, unknown or expired.",
    ),
    "wallet-invalid-dpop-proof.title": (
        "Bằng chứng DPoP không hợp lệ",
        "Invalid DPoP proof",
    ),
    "wallet-invalid-dpop-proof.detail": (
        "Mã truy cập gắn với một khóa: cần bằng chứng DPoP mới của đúng khóa đó.",
        "The access token is bound to a key: a fresh DPoP proof of that key is needed.",
    ),
    "wallet-invalid-credential-request.title": (
        "Yêu cầu cấp giấy tờ không hợp lệ",
        "Invalid credential request",
    ),
    "wallet-invalid-credential-request.detail": (
        "Yêu cầu cấp giấy tờ không hợp lệ.",
        "The credential request is malformed.",
    ),
    "wallet-invalid-credential-request.which": (
        "Nêu đúng một trong credential_identifier hoặc credential_configuration_id.",
        "Name exactly one of credential_identifier and credential_configuration_id.",
    ),
    "wallet-unknown-configuration.title": (
        "Cấu hình giấy tờ không xác định",
        "Unknown credential configuration",
    ),
    "wallet-unknown-configuration.detail": (
        "Mã truy cập không cho phép cấu hình giấy tờ này.",
        "The access token does not allow this credential configuration.",
    ),
    "wallet-unknown-identifier.title": (
        "Giấy tờ không xác định",
        "Unknown credential identifier",
    ),
    "wallet-unknown-identifier.detail": (
        "Mã truy cập không cho phép giấy tờ này.",
        "The access token does not allow this credential.",
    ),
    "wallet-invalid-proof.title": ("Bằng chứng khóa không hợp lệ", "Invalid proof"),
    "wallet-invalid-proof.detail": (
        "Bằng chứng khóa không hợp lệ.",
        "The key proof is invalid.",
    ),
    "wallet-invalid-proof.missing": (
        "Cần proofs với đúng một loại: jwt.",
        "proofs with exactly one type, jwt, is required.",
    ),
    "wallet-invalid-proof.one": (
        "Cần đúng một bằng chứng khóa.",
        "Exactly one key proof is required.",
    ),
    "wallet-invalid-proof.malformed": (
        "Bằng chứng khóa không phải JWT hợp lệ.",
        "The key proof is not a well-formed JWT.",
    ),
    "wallet-invalid-proof.header": (
        "Bằng chứng khóa phải có typ openid4vci-proof+jwt và alg ES256.",
        "The key proof must have typ openid4vci-proof+jwt and alg ES256.",
    ),
    "wallet-invalid-proof.key": (
        "Bằng chứng khóa phải mang khóa công khai P-256 trong jwk (không kid, không x5c).",
        "The key proof must carry a public P-256 key in jwk (no kid, no x5c).",
    ),
    "wallet-invalid-proof.signature": (
        "Chữ ký của bằng chứng khóa không đúng.",
        "The key proof's signature is wrong.",
    ),
    "wallet-invalid-proof.audience": (
        "aud của bằng chứng khóa không phải nơi cấp này.",
        "The key proof's aud is not this credential issuer.",
    ),
    "wallet-invalid-proof.iat": (
        "iat của bằng chứng khóa thiếu hoặc không gần đây.",
        "The key proof's iat is missing or not recent.",
    ),
    "wallet-invalid-proof.issuer": (
        "iss của bằng chứng khóa, nếu có, phải là client_id mà ví đã dùng để lấy mã truy cập.",
        "The key proof's iss, if any, must be the client_id the token was issued to.",
    ),
    "wallet-invalid-nonce.title": ("Nonce không hợp lệ", "Invalid nonce"),
    "wallet-invalid-nonce.detail": (
        "nonce của bằng chứng khóa thiếu, lạ, hết hạn hoặc đã dùng; hãy lấy nonce mới.",
        "The key proof's nonce is missing, unknown, expired or used; get a fresh one.",
    ),
    "wallet-credential-denied.title": (
        "Không cấp giấy tờ",
        "Credential request denied",
    ),
    "wallet-credential-denied.detail": (
        "Giấy tờ này không còn thuộc quyền của người đã cho phép ví.",
        "This credential is no longer for the person who authorised the wallet.",
    ),
    "wallet-credential-denied.issued": (
        "Giấy tờ này đã được cấp với mã truy cập này.",
        "This credential was already issued with this access token.",
    ),
    "wallet-credential-denied.not-in-force": (
        "Giấy tờ không còn hiệu lực (bị thu hồi, tạm đình chỉ hoặc hết hạn).",
        "The record is not in force (revoked, suspended or expired).",
    ),
    "wallet-presentation-rejected.title": (
        "Bản trình bày không hợp lệ",
        "Presentation rejected",
    ),
    "wallet-presentation-rejected.detail": (
        "Bản trình bày không xác thực được; yêu cầu đã đóng.",
        "The presentation does not verify; the request is closed.",
    ),
    "not-a-verifier.title": ("Không phải đơn vị xác minh", "Not a verifier"),
    "not-a-verifier.detail": (
        "Chỉ thành viên của trường học hoặc cơ sở y tế, khi làm việc cho đơn vị đó, mới tạo được yêu cầu.",
        "Only a member of a school or clinic, acting for it, may make a request.",
    ),
}

VALIDATION_MESSAGES: dict[str, str] = {
    "Only these credential types are verified here: {vcts}.": (
        "Chỉ xác minh các loại giấy tờ này: {vcts}."
    ),
    "A claim path is 1 to 8 claim names, array positions (0 or more) or null.": (
        "Đường dẫn thông tin gồm 1 đến 8 tên, vị trí trong mảng (từ 0) hoặc null."
    ),
    "Values are strings, integers or booleans.": (
        "Giá trị là chuỗi, số nguyên hoặc true/false."
    ),
    "Each credential query has its own id.": "Mỗi truy vấn giấy tờ có id riêng.",
    "A check tests a claim the query asks for.": (
        "Điều kiện chỉ kiểm tra thông tin mà truy vấn yêu cầu."
    ),
}
